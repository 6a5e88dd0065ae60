package io.chirp.server;

/**
 * Who is calling: the user or token name recorded in the audit log, and the role that decides what it may do.
 *
 * @param name  user name, or {@code token:NAME}
 * @param role  its role
 */
public record Principal(String name, Role role) {}
