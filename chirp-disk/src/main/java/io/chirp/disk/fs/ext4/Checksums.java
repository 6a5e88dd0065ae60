package io.chirp.disk.fs.ext4;

import io.chirp.disk.LittleEndian;

import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * ext4's metadata_csum checks (crc32c), done where CHIRP reads the structure: the superblock, inodes and leaf
 * directory blocks. A mismatch does not stop the reader (the Sleuth Kit does not check at all, and damaged metadata
 * is still evidence); it is reported, so a listing built on it is marked partial.
 *
 * <p>The kernel's {@code ext4_chksum} is crc32c without the final inversion, seeded with {@code crc32c(~0, uuid)}.
 * {@link CRC32C} starts from ~0 and inverts on output, so feeding it uuid then the structure leaves the kernel's
 * value as the complement of {@link CRC32C#getValue()}. With the metadata_csum_seed feature the seed is stored
 * instead of derived, and cannot be loaded into {@link CRC32C}: those file systems are reported as not verified.
 */
final class Checksums {
    static final long RO_COMPAT_METADATA_CSUM = 0x400;
    static final long INCOMPAT_CSUM_SEED = 0x2000;
    private static final int SB_CHECKSUM = 0x3fc;

    private final boolean enabled;
    private final byte[] uuid;

    private Checksums(boolean enabled, byte[] uuid) {
        this.enabled = enabled;
        this.uuid = uuid;
    }

    /** {@return the checks for the file system whose raw superblock is {@code sb}} */
    static Checksums of(byte[] sb, Superblock s) {
        boolean on = (s.roCompat() & RO_COMPAT_METADATA_CSUM) != 0 && (s.incompat() & INCOMPAT_CSUM_SEED) == 0
                && LittleEndian.u8(sb, 0x175) == 1;
        return new Checksums(on, Arrays.copyOfRange(sb, 0x68, 0x78));
    }

    /** {@return why checksums are not verified on a file system that has them, if so} */
    static Optional<String> unverified(byte[] sb, Superblock s) {
        if ((s.roCompat() & RO_COMPAT_METADATA_CSUM) == 0) return Optional.empty();
        if ((s.incompat() & INCOMPAT_CSUM_SEED) != 0) return Optional.of("ext4: metadata checksums not verified (metadata_csum_seed is not supported)");
        if (LittleEndian.u8(sb, 0x175) != 1) return Optional.of("ext4: metadata checksums not verified (unknown checksum type " + LittleEndian.u8(sb, 0x175) + ")");
        return Optional.empty();
    }

    boolean enabled() { return enabled; }

    /** {@return a problem when the superblock's own checksum does not match} */
    Optional<String> superblock(byte[] sb) {
        if (!enabled) return Optional.empty();
        CRC32C c = new CRC32C();
        c.update(sb, 0, SB_CHECKSUM);
        long want = LittleEndian.u32(sb, SB_CHECKSUM), got = ~c.getValue() & 0xffffffffL;
        return want == got ? Optional.empty() : Optional.of("ext4: superblock checksum mismatch (stored 0x"
                + Long.toHexString(want) + ", computed 0x" + Long.toHexString(got) + ")");
    }

    /** {@return a problem when inode {@code n}'s record {@code raw} (inodeSize bytes) fails its checksum} */
    Optional<String> inode(long n, byte[] raw, int inodeSize) {
        if (!enabled) return Optional.empty();
        byte[] b = Arrays.copyOf(raw, inodeSize);
        long stored = LittleEndian.u16(b, 0x7c);
        b[0x7c] = b[0x7d] = 0;
        int extra = inodeSize > 128 ? LittleEndian.u16(b, 0x80) : 0;
        boolean hi = inodeSize > 128 && extra >= 4 && 128 + extra <= inodeSize;
        if (hi) {
            stored |= (long) LittleEndian.u16(b, 0x82) << 16;
            b[0x82] = b[0x83] = 0;
        }
        CRC32C c = seeded();
        c.update(le32(n));
        c.update(b, 0x64, 4); // i_generation
        c.update(b, 0, inodeSize);
        long got = ~c.getValue() & 0xffffffffL;
        if (!hi) got &= 0xffff;
        return stored == got ? Optional.empty() : Optional.of("ext4: inode " + n + " checksum mismatch (stored 0x"
                + Long.toHexString(stored) + ", computed 0x" + Long.toHexString(got) + "): its fields may be damaged or forged");
    }

    /**
     * {@return a problem when a leaf directory block with a checksum tail fails it; blocks without the tail (htree
     * nodes, or file systems made before the feature) are not judged here}
     */
    Optional<String> dirBlock(long dirInode, byte[] dirRaw, byte[] block, int off, int bs) {
        if (!enabled || bs < 12) return Optional.empty();
        int t = off + bs - 12;
        boolean tail = LittleEndian.u32(block, t) == 0 && LittleEndian.u16(block, t + 4) == 12
                && LittleEndian.u8(block, t + 6) == 0 && LittleEndian.u8(block, t + 7) == 0xDE;
        if (!tail) return Optional.empty();
        CRC32C c = seeded();
        c.update(le32(dirInode));
        c.update(dirRaw, 0x64, 4);
        c.update(block, off, bs - 12);
        long want = LittleEndian.u32(block, t + 8), got = ~c.getValue() & 0xffffffffL;
        return want == got ? Optional.empty() : Optional.of("checksum mismatch (stored 0x" + Long.toHexString(want)
                + ", computed 0x" + Long.toHexString(got) + ")");
    }

    /**
     * {@return a problem when an htree index block (the root when {@code root}, else an interior node) fails the
     * checksum in its dx_tail: crc over the header and the {@code count} used entries, then the tail's reserved word
     * and a zero checksum}
     */
    Optional<String> dxBlock(long dirInode, byte[] dirRaw, byte[] block, int bs, boolean root) {
        if (!enabled) return Optional.empty();
        int countOffset = root ? 24 + LittleEndian.u8(block, 24 + 5) : 8;
        if (countOffset + 4 > bs) return Optional.of("htree index header out of range");
        int limit = LittleEndian.u16(block, countOffset), count = LittleEndian.u16(block, countOffset + 2);
        int tail = countOffset + limit * 8;
        if (count > limit || tail + 8 > bs) return Optional.of("htree index claims " + count + "/" + limit + " entries, more than the block holds");
        CRC32C c = seeded();
        c.update(le32(dirInode));
        c.update(dirRaw, 0x64, 4);
        c.update(block, 0, countOffset + count * 8);
        c.update(block, tail, 4);
        c.update(new byte[4]);
        long want = LittleEndian.u32(block, tail + 4), got = ~c.getValue() & 0xffffffffL;
        return want == got ? Optional.empty() : Optional.of("htree index checksum mismatch (stored 0x" + Long.toHexString(want)
                + ", computed 0x" + Long.toHexString(got) + ")");
    }

    private CRC32C seeded() {
        CRC32C c = new CRC32C();
        c.update(uuid);
        return c;
    }

    private static byte[] le32(long v) {
        return new byte[]{(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }
}
