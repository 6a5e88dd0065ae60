package io.chirp.core;

/** A read touched an address that no memory backs: the typed "absent" result, never zeroes passed off as data. */
public final class UnmappedException extends ChirpException {
    private final long address;
    private final boolean virtual;

    public UnmappedException(long address, boolean virtual, String detail) {
        super(Kind.UNMAPPED, (virtual ? "virtual address 0x" : "physical address 0x")
                + Long.toHexString(address) + " is not mapped" + (detail.isEmpty() ? "" : ": " + detail));
        this.address = address;
        this.virtual = virtual;
    }

    /** {@return the first address that could not be read} */
    public long address() { return address; }

    /** {@return true when the address was virtual (a page-table fault), false when physical} */
    public boolean isVirtual() { return virtual; }
}
