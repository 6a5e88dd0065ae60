package io.chirp.disk.block;

import io.chirp.core.ChirpException;
import io.chirp.disk.LittleEndian;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The validated header of a qcow2 image (versions 2 and 3). Big-endian on disk, unlike everything else here.
 *
 * @param version        2 or 3
 * @param clusterBits    log2 of the cluster size, 9..21 as QEMU allows
 * @param size           the virtual disk size
 * @param l1Size         entries in the L1 table
 * @param l1Offset       file offset of the L1 table
 * @param backingFile    the backing file name as written in the image, if any
 * @param backingFormat  the backing format from the header extension ("raw", "qcow2"), if given
 * @param dirty          incompatible bit 0: refcounts may be stale (harmless for reading)
 * @param markedCorrupt  incompatible bit 1: QEMU found metadata damage; we still read, bounds-checked
 */
public record Qcow2Header(int version, int clusterBits, long size, int l1Size, long l1Offset,
                          Optional<String> backingFile, Optional<String> backingFormat,
                          boolean dirty, boolean markedCorrupt) {
    static final int MAGIC = 0x514649fb; // "QFI\xfb"
    static final long MAX_VIRTUAL_SIZE = 1L << 55; // beyond what the L2 offset fields can address
    private static final int MAX_BACKING_NAME = 1023; // QEMU's own limit
    private static final long KNOWN_INCOMPATIBLE = 0b11; // dirty, corrupt
    private static final int EXT_BACKING_FORMAT = 0xE2792ACA;

    /** {@return the cluster size in bytes} */
    public int clusterSize() { return 1 << clusterBits; }

    /** Parses the first cluster-or-less {@code head} of image {@code what}, of {@code fileSize} bytes. */
    static Qcow2Header parse(String what, byte[] head, long fileSize) {
        if (head.length < 72 || be32(head, 0) != MAGIC) throw ChirpException.corrupt(what + ": not a qcow2 image (bad magic)");
        int version = be32(head, 4);
        if (version != 2 && version != 3) throw unsupported(what, "qcow2 version " + version);
        long backingOffset = be64(head, 8);
        int backingSize = be32(head, 16);
        int clusterBits = be32(head, 20);
        if (clusterBits < 9 || clusterBits > 21) throw ChirpException.corrupt(what + ": cluster_bits " + clusterBits + " out of 9..21");
        long size = be64(head, 24);
        if (size < 0 || size > MAX_VIRTUAL_SIZE) throw ChirpException.corrupt(what + ": virtual size " + size + " out of range");
        int crypt = be32(head, 32);
        if (crypt != 0) throw unsupported(what, "encrypted qcow2 (crypt_method " + crypt + ")");
        long l1Size = be32(head, 36) & 0xffffffffL;
        long l1Offset = be64(head, 40);
        long l2Entries = 1L << (clusterBits - 3);
        long needed = (size + (l2Entries << clusterBits) - 1) / (l2Entries << clusterBits);
        if (l1Size < needed || l1Size > (32 << 20) / 8) {
            throw ChirpException.corrupt(what + ": L1 table of " + l1Size + " entries cannot map " + size + " bytes (needs " + needed + ")");
        }
        if (l1Offset <= 0 || (l1Offset & ((1L << clusterBits) - 1)) != 0 || l1Offset > fileSize - l1Size * 8) {
            throw ChirpException.corrupt(what + ": L1 table at 0x" + Long.toHexString(l1Offset) + " is misaligned or beyond the file");
        }
        long incompatible = 0;
        int headerLength = 72;
        int compressionType = 0;
        if (version == 3) {
            if (head.length < 104) throw ChirpException.corrupt(what + ": truncated qcow2 v3 header");
            incompatible = be64(head, 72);
            headerLength = be32(head, 100);
            if (headerLength < 104 || headerLength > head.length) throw ChirpException.corrupt(what + ": header_length " + headerLength + " out of range");
            if (headerLength > 104) compressionType = head[104] & 0xff;
        }
        if ((incompatible & ~KNOWN_INCOMPATIBLE) != 0) {
            // external data file (bit 2), zstd (bit 3), extended L2 (bit 4), or newer: refuse rather than misread
            throw unsupported(what, "qcow2 incompatible features 0x" + Long.toHexString(incompatible));
        }
        if (compressionType != 0) throw unsupported(what, "qcow2 compression type " + compressionType);
        Optional<String> backing = Optional.empty();
        if (backingOffset != 0) {
            if (backingSize <= 0 || backingSize > MAX_BACKING_NAME || backingOffset < 0 || backingOffset > head.length - backingSize) {
                throw ChirpException.corrupt(what + ": backing file name (" + backingSize + " bytes at " + backingOffset + ") out of range");
            }
            backing = Optional.of(new String(head, (int) backingOffset, backingSize, StandardCharsets.UTF_8));
        }
        Optional<String> format = readExtensions(what, head, headerLength, backingOffset == 0 ? head.length : (int) backingOffset);
        return new Qcow2Header(version, clusterBits, size, (int) l1Size, l1Offset, backing, format,
                (incompatible & 1) != 0, (incompatible & 2) != 0);
    }

    /** Walks the header extensions (type, length, data padded to 8), bounded by the header area. */
    private static Optional<String> readExtensions(String what, byte[] head, int from, int limit) {
        Optional<String> format = Optional.empty();
        int off = from;
        for (int n = 0; n < 256 && off + 8 <= limit; n++) {
            int type = be32(head, off);
            long len = be32(head, off + 4) & 0xffffffffL;
            if (type == 0) break;
            if (len > limit - off - 8) throw ChirpException.corrupt(what + ": header extension 0x" + Integer.toHexString(type) + " overruns the header");
            if (type == EXT_BACKING_FORMAT) format = Optional.of(new String(head, off + 8, (int) len, StandardCharsets.US_ASCII));
            off += 8 + (int) ((len + 7) & ~7L);
        }
        return format;
    }

    static int be32(byte[] b, int off) { return Integer.reverseBytes(LittleEndian.s32(b, off)); }

    static long be64(byte[] b, int off) { return Long.reverseBytes(LittleEndian.u64(b, off)); }

    static ChirpException unsupported(String what, String feature) {
        return ChirpException.unavailable(what + ": unsupported " + feature);
    }
}
