package io.chirp.symbols.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 24-byte header of a BTF blob (struct btf_header); section offsets are relative to the end of the header.
 */
public record BtfHeader(int magic, int version, int flags, long hdrLen, long typeOff, long typeLen, long strOff,
                        long strLen) {
    public static final int MAGIC = 0xeb9f;
    public static final int SIZE = 24;
    /** The vmlinux BTF of a distribution kernel is a few MiB; anything beyond this is not BTF. */
    public static final long MAX_BLOB = 256L << 20;
    /** What every little-endian, version-1 BTF with a 24-byte header starts with. */
    public static final byte[] PREFIX = {(byte) 0x9f, (byte) 0xeb, 1, 0, 24, 0, 0, 0};

    /** {@return the header at the start of {@code bytes} (at least 24 bytes)} */
    public static BtfHeader parse(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        return new BtfHeader(b.getShort() & 0xffff, b.get() & 0xff, b.get() & 0xff, b.getInt() & 0xffffffffL,
                b.getInt() & 0xffffffffL, b.getInt() & 0xffffffffL, b.getInt() & 0xffffffffL,
                b.getInt() & 0xffffffffL);
    }

    /** {@return the size of the whole blob: header plus the furthest section} */
    public long totalSize() { return hdrLen + Math.max(typeOff + typeLen, strOff + strLen); }

    /**
     * {@return true if the header is one this parser can trust the sizes of}: the magic and version, aligned
     * non-overlapping sections, a non-empty string section, and a bounded total.
     */
    public boolean sane() {
        if (magic != MAGIC || version != 1 || hdrLen != SIZE) return false;
        if (typeOff % 4 != 0 || typeLen % 4 != 0 || strLen == 0) return false;
        boolean typesFirst = typeOff + typeLen <= strOff;
        boolean stringsFirst = strOff + strLen <= typeOff;
        return (typesFirst || stringsFirst) && totalSize() <= MAX_BLOB;
    }
}
