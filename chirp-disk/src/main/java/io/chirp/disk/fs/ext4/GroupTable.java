package io.chirp.disk.fs.ext4;

import io.chirp.core.ChirpException;
import io.chirp.disk.LittleEndian;
import io.chirp.disk.block.BlockSource;

/**
 * The block group descriptors: where each group's inode table and inode bitmap are. Handles 32- and 64-byte
 * descriptors and meta_bg placement (descriptors spread over the groups they describe).
 */
final class GroupTable {
    /** Most groups accepted: 2^20 groups of 128 MiB is 128 TiB; beyond that the count itself is suspect. */
    static final long MAX_GROUPS = 1 << 20;
    static final int BG_INODE_UNINIT = 0x1;

    private final long[] inodeTable;
    private final long[] inodeBitmap;
    private final int[] flags;

    private GroupTable(long[] inodeTable, long[] inodeBitmap, int[] flags) {
        this.inodeTable = inodeTable;
        this.inodeBitmap = inodeBitmap;
        this.flags = flags;
    }

    static GroupTable read(BlockSource dev, Superblock sb) {
        long groups = sb.groupCount();
        if (groups > MAX_GROUPS) throw ChirpException.corrupt("ext4: " + groups + " block groups, more than " + MAX_GROUPS);
        int n = (int) groups;
        long[] table = new long[n], bitmap = new long[n];
        int[] flags = new int[n];
        int bs = sb.blockSize();
        int perBlock = bs / sb.descSize();
        boolean is64 = sb.has(Superblock.INCOMPAT_64BIT);
        long firstMeta = sb.has(Superblock.INCOMPAT_META_BG) ? sb.firstMetaBg() : Long.MAX_VALUE;
        byte[] block = null;
        long loaded = -1;
        for (int g = 0; g < n; g++) {
            long descBlock = descriptorBlock(sb, g, perBlock, firstMeta);
            if (descBlock != loaded) {
                if (descBlock >= sb.blocksCount()) throw ChirpException.corrupt("ext4: descriptor block " + descBlock + " beyond the file system");
                block = dev.read(descBlock * bs, bs);
                loaded = descBlock;
            }
            int off = (g % perBlock) * sb.descSize();
            bitmap[g] = LittleEndian.u32(block, off + 4) | (is64 ? LittleEndian.u32(block, off + 0x24) << 32 : 0);
            table[g] = LittleEndian.u32(block, off + 8) | (is64 ? LittleEndian.u32(block, off + 0x28) << 32 : 0);
            flags[g] = LittleEndian.u16(block, off + 18);
        }
        return new GroupTable(table, bitmap, flags);
    }

    private static long descriptorBlock(Superblock sb, long g, int perBlock, long firstMeta) {
        long metaGroup = g / perBlock;
        if (metaGroup < firstMeta) return sb.firstDataBlock() + 1 + metaGroup;
        // meta_bg: the descriptor block of meta group m sits in the first group of m, after its superblock backup
        long first = metaGroup * perBlock;
        return sb.firstDataBlock() + first * sb.blocksPerGroup() + (sb.hasSuperBackup(first) ? 1 : 0);
    }

    int groups() { return inodeTable.length; }

    long inodeTable(int g) { return inodeTable[g]; }

    long inodeBitmap(int g) { return inodeBitmap[g]; }

    boolean inodesUninitialised(int g) { return (flags[g] & BG_INODE_UNINIT) != 0; }
}
