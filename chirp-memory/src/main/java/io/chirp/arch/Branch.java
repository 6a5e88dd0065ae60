package io.chirp.arch;

/**
 * A direct branch found in code, on either architecture.
 *
 * @param site   address of the branch instruction
 * @param kind   call, unconditional or conditional jump
 * @param target where it goes
 * @param length instruction length in bytes (always 4 on AArch64)
 */
public record Branch(long site, Kind kind, long target, int length) {

    /** The kind of a direct branch: x86 E8 / E9, EB / 7x, 0F 8x; AArch64 BL / B / B.cond, CBZ, TBZ. */
    public enum Kind { CALL, JMP, JCC }
}
