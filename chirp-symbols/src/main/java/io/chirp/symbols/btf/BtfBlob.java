package io.chirp.symbols.btf;

/**
 * A BTF blob found in guest-physical memory.
 *
 * @param pa            guest-physical address of the header
 * @param header        the header
 * @param startsWithNul true if the string section starts with "" (required of a base/vmlinux BTF; split module
 *                      BTF continues the base's strings and need not)
 */
public record BtfBlob(long pa, BtfHeader header, boolean startsWithNul) {
    /** {@return the blob's size in bytes} */
    public long size() { return header.totalSize(); }
}
