package io.chirp.arch;

import java.util.List;

/**
 * Direct branches found by a linear sweep of code.
 *
 * @param branches in code order
 * @param resyncs  how many times undecodable bytes were stepped over (x86: one byte; AArch64: one word)
 */
public record Sweep(List<Branch> branches, int resyncs) {
    public Sweep {
        branches = List.copyOf(branches);
    }
}
