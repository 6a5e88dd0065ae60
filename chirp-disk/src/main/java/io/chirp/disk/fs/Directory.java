package io.chirp.disk.fs;

import java.util.List;

/**
 * The entries of one directory and what was skipped reading it. Every entry the parser could not accept (a bad
 * record length, an inode number out of range, a name that overruns its record, a checksum mismatch) is named in
 * {@code problems}: a short listing must never look complete.
 *
 * @param entries  names found, without "." and ".."; deleted names flagged
 * @param problems damage met, each a skip or a doubt; empty when the directory read cleanly
 */
public record Directory(List<DirEntry> entries, List<String> problems) {
    public Directory {
        entries = List.copyOf(entries);
        problems = List.copyOf(problems);
    }
}
