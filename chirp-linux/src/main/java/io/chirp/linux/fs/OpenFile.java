package io.chirp.linux.fs;

/**
 * One open file descriptor of a process: a row of {@code lsof}.
 *
 * @param pid  the process (thread-group) id
 * @param comm the process name
 * @param fd   the descriptor number
 * @param file what it refers to
 */
public record OpenFile(int pid, String comm, int fd, FileInfo file) {}
