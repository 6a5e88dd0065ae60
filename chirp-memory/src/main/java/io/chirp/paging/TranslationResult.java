package io.chirp.paging;

import io.chirp.core.PhysAddr;
import io.chirp.core.VirtAddr;

/** The outcome of translating one virtual address: a {@link Mapped} page or a {@link Fault}. Never null. */
public sealed interface TranslationResult {

    /** {@return the address that was translated} */
    VirtAddr va();

    /**
     * The address is mapped.
     *
     * @param va       the virtual address
     * @param pa       the physical address it maps to
     * @param pageSize 4 KiB, 2 MiB, 1 GiB or 4 MiB on x86; the granule or a block size on AArch64
     * @param flags    effective permissions
     */
    record Mapped(VirtAddr va, PhysAddr pa, long pageSize, PageFlags flags) implements TranslationResult {
        /** {@return the physical address of the start of the page} */
        public PhysAddr pageBase() { return new PhysAddr(pa.value() & -pageSize); }
    }

    /**
     * The walk stopped.
     *
     * @param va        the virtual address
     * @param reason    why
     * @param level     the level whose entry failed ("PML4", "PD", "L2"...), or "" for an invalid address
     * @param entryAddr where that entry is (or would be) in physical memory, -1 if not reached
     * @param entry     the entry's value, 0 if it could not be read
     */
    record Fault(VirtAddr va, Reason reason, String level, long entryAddr, long entry) implements TranslationResult {
        /** {@return a one-line explanation} */
        public String describe() {
            return switch (reason) {
                case INVALID_ADDRESS -> "not a valid address in this paging mode";
                case NOT_PRESENT -> level + " entry at 0x" + Long.toHexString(entryAddr) + " not present (0x"
                        + Long.toHexString(entry) + ")";
                case TABLE_OUTSIDE_MEMORY -> level + " table entry at 0x" + Long.toHexString(entryAddr)
                        + " is outside physical memory";
                case RESERVED_BIT -> level + " entry 0x" + Long.toHexString(entry) + " is a large page or block where this level allows none, or a reserved encoding";
            };
        }
    }

    /** Why a walk failed. */
    enum Reason {
        /** Non-canonical in long mode, or above 4 GiB in a 32-bit mode. */
        INVALID_ADDRESS,
        /** The present bit of an entry is clear. */
        NOT_PRESENT,
        /** An entry (the root or one a previous entry points to) is not in backed memory: hostile or stale table. */
        TABLE_OUTSIDE_MEMORY,
        /** A leaf where the level has none (x86 PS in PML4/PML5/PAE PDPT, AArch64 block at L0/L3), or a reserved encoding. */
        RESERVED_BIT
    }
}
