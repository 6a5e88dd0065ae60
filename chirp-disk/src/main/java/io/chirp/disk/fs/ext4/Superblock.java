package io.chirp.disk.fs.ext4;

import io.chirp.core.ChirpException;
import io.chirp.disk.LittleEndian;

/**
 * The validated ext2/3/4 superblock: geometry and the features this reader must honour.
 *
 * @param blockSize       bytes per block, 1 KiB..64 KiB
 * @param blocksCount     blocks in the file system
 * @param inodesCount     inodes in the file system
 * @param firstDataBlock  1 for 1 KiB blocks, else 0
 * @param blocksPerGroup  blocks per block group
 * @param inodesPerGroup  inodes per block group
 * @param inodeSize       bytes per inode record
 * @param descSize        bytes per group descriptor (32, or 64+ with the 64bit feature)
 * @param incompat        s_feature_incompat
 * @param roCompat        s_feature_ro_compat
 * @param firstMetaBg     first group using meta_bg descriptor placement
 * @param label           volume name
 */
public record Superblock(int blockSize, long blocksCount, long inodesCount, long firstDataBlock, long blocksPerGroup,
                         long inodesPerGroup, int inodeSize, int descSize, long incompat, long roCompat,
                         long firstMetaBg, String label) {
    public static final int OFFSET = 1024;
    static final int MAGIC = 0xEF53;
    static final long INCOMPAT_FILETYPE = 0x2, INCOMPAT_META_BG = 0x10, INCOMPAT_EXTENTS = 0x40, INCOMPAT_64BIT = 0x80,
            INCOMPAT_INLINE_DATA = 0x8000, INCOMPAT_ENCRYPT = 0x10000, INCOMPAT_JOURNAL_DEV = 0x8;
    static final long RO_COMPAT_SPARSE_SUPER = 0x1;

    /** {@return true if the 1 KiB at {@link #OFFSET} carries the ext2/3/4 magic} */
    public static boolean matches(byte[] sb) { return sb.length >= 58 && LittleEndian.u16(sb, 56) == MAGIC; }

    /** Parses and checks the superblock bytes read at {@link #OFFSET}, for a device of {@code deviceSize} bytes. */
    public static Superblock parse(byte[] sb, long deviceSize) {
        if (!matches(sb)) throw ChirpException.corrupt("ext4: bad superblock magic");
        long logBlock = LittleEndian.u32(sb, 24);
        if (logBlock > 6) throw ChirpException.corrupt("ext4: block size 2^(10+" + logBlock + ") out of range");
        int blockSize = 1024 << logBlock;
        long incompat = LittleEndian.u32(sb, 96);
        if ((incompat & INCOMPAT_JOURNAL_DEV) != 0) throw ChirpException.unavailable("ext4: this is an external journal device, not a file system");
        boolean is64 = (incompat & INCOMPAT_64BIT) != 0;
        long blocks = LittleEndian.u32(sb, 4) | (is64 ? LittleEndian.u32(sb, 336) << 32 : 0);
        long inodes = LittleEndian.u32(sb, 0);
        long bpg = LittleEndian.u32(sb, 32), ipg = LittleEndian.u32(sb, 40);
        long rev = LittleEndian.u32(sb, 76);
        int inodeSize = rev == 0 ? 128 : LittleEndian.u16(sb, 88);
        int descSize = is64 ? LittleEndian.u16(sb, 254) : 32;
        long firstData = LittleEndian.u32(sb, 20);
        if (bpg == 0 || bpg > 8L * blockSize) throw ChirpException.corrupt("ext4: blocks per group " + bpg + " out of range");
        if (ipg == 0 || ipg > 8L * blockSize) throw ChirpException.corrupt("ext4: inodes per group " + ipg + " out of range");
        if (inodeSize < 128 || inodeSize > blockSize || Integer.bitCount(inodeSize) != 1) throw ChirpException.corrupt("ext4: inode size " + inodeSize + " out of range");
        if (descSize < 32 || descSize > 1024 || (is64 && descSize < 64)) throw ChirpException.corrupt("ext4: group descriptor size " + descSize + " out of range");
        if (blocks == 0 || firstData >= blocks) throw ChirpException.corrupt("ext4: block count " + blocks + " out of range");
        long groups = (blocks - firstData + bpg - 1) / bpg;
        if (inodes == 0 || inodes > groups * ipg) throw ChirpException.corrupt("ext4: inode count " + inodes + " exceeds groups x inodes per group");
        if (blocks > deviceSize / blockSize + 1) {
            // a truncated image: keep reading what exists, reads past the end fail as CORRUPT where they happen
            org.slf4j.LoggerFactory.getLogger(Superblock.class).warn("ext4: file system claims {} blocks, device holds {}", blocks, deviceSize / blockSize);
        }
        return new Superblock(blockSize, blocks, inodes, firstData, bpg, ipg, inodeSize, descSize, incompat,
                LittleEndian.u32(sb, 100), LittleEndian.u32(sb, 260), LittleEndian.cString(sb, 120, 16));
    }

    /** {@return the number of block groups} */
    public long groupCount() { return (blocksCount - firstDataBlock + blocksPerGroup - 1) / blocksPerGroup; }

    boolean has(long incompatFlag) { return (incompat & incompatFlag) != 0; }

    /** {@return whether group {@code g} holds a superblock backup (and so descriptor copies)} */
    boolean hasSuperBackup(long g) {
        if ((roCompat & RO_COMPAT_SPARSE_SUPER) == 0 || g <= 1) return true;
        for (long base : new long[]{3, 5, 7}) {
            long p = base;
            while (p < g) p *= base;
            if (p == g) return true;
        }
        return false;
    }
}
