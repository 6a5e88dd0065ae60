package io.chirp.disk.fs.ext4;

import io.chirp.core.ChirpException;
import io.chirp.disk.LittleEndian;
import io.chirp.disk.block.BlockSource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Maps a file's logical blocks to physical runs, from an extent tree (any depth) or a legacy block map.
 * Both are attacker-controlled trees: depth, entry counts, total runs and visited blocks are bounded, and an index
 * block seen twice is a loop.
 */
final class BlockRuns {
    /** A run of {@code length} blocks: logical block {@code logical} is at physical block {@code physical}. */
    record Run(long logical, long physical, long length, boolean unwritten) {}

    static final int MAX_DEPTH = 5; // ext4's own limit
    static final int MAX_RUNS = 1 << 20;
    /** Indirect blocks read for one file: 2^18 covers a 64 GiB file with 4 KiB blocks. */
    static final int MAX_INDIRECT_READS = 1 << 18;
    private static final int EXTENT_MAGIC = 0xF30A;

    private BlockRuns() {}

    /** {@return the runs of {@code inode}, sorted by logical block; empty for inline data and fast symlinks} */
    static List<Run> of(BlockSource dev, Superblock sb, Inode inode) {
        List<Run> runs = new ArrayList<>();
        if (inode.hasExtents()) {
            walkExtents(dev, sb, inode.iBlock(), 0, inode.number(), runs, new HashSet<>(), 0);
        } else {
            walkBlockMap(dev, sb, inode, runs);
        }
        runs.sort(Comparator.comparingLong(Run::logical));
        return runs;
    }

    private static void walkExtents(BlockSource dev, Superblock sb, byte[] node, int off, long ino, List<Run> runs,
                                    Set<Long> seen, int level) {
        if (LittleEndian.u16(node, off) != EXTENT_MAGIC) throw corrupt(ino, "extent header magic missing at level " + level);
        int entries = LittleEndian.u16(node, off + 2), max = LittleEndian.u16(node, off + 4), depth = LittleEndian.u16(node, off + 6);
        if (entries > max || 12 + 12L * max > node.length - off) throw corrupt(ino, "extent node claims " + entries + "/" + max + " entries");
        if (depth > MAX_DEPTH || (level > 0 && depth >= MAX_DEPTH)) throw corrupt(ino, "extent tree depth " + depth + " out of range");
        for (int i = 0; i < entries; i++) {
            int e = off + 12 + 12 * i;
            long logical = LittleEndian.u32(node, e);
            if (depth == 0) {
                int len = LittleEndian.u16(node, e + 4);
                boolean unwritten = len > 32768;
                if (unwritten) len -= 32768;
                long phys = LittleEndian.u32(node, e + 8) | (long) LittleEndian.u16(node, e + 6) << 32;
                if (len == 0) continue;
                if (phys + len > sb.blocksCount()) throw corrupt(ino, "extent at block " + phys + " (+" + len + ") beyond the file system");
                if (runs.size() >= MAX_RUNS) throw corrupt(ino, "more than " + MAX_RUNS + " extents");
                runs.add(new Run(logical, phys, len, unwritten));
            } else {
                long child = LittleEndian.u32(node, e + 4) | (long) LittleEndian.u16(node, e + 8) << 32;
                if (child >= sb.blocksCount() || child == 0) throw corrupt(ino, "extent index points to block " + child);
                if (!seen.add(child)) throw corrupt(ino, "extent tree loops through block " + child);
                byte[] block = dev.read(child * sb.blockSize(), sb.blockSize());
                int childDepth = LittleEndian.u16(block, 6);
                if (childDepth != depth - 1) throw corrupt(ino, "extent node at block " + child + " has depth " + childDepth + ", expected " + (depth - 1));
                walkExtents(dev, sb, block, 0, ino, runs, seen, level + 1);
            }
        }
    }

    /** Legacy map: 12 direct pointers, then single, double and triple indirect blocks. Zero pointers are holes. */
    private static void walkBlockMap(BlockSource dev, Superblock sb, Inode inode, List<Run> runs) {
        long perBlock = sb.blockSize() / 4;
        long needed = (inode.size() + sb.blockSize() - 1) / sb.blockSize();
        byte[] ib = inode.iBlock();
        long logical = 0;
        int[] budget = {MAX_INDIRECT_READS};
        for (int i = 0; i < 12 && logical < needed; i++, logical++) add(runs, sb, inode.number(), logical, LittleEndian.u32(ib, i * 4));
        long span = perBlock;
        for (int level = 1; level <= 3 && logical < needed; level++) {
            long ptr = LittleEndian.u32(ib, (11 + level) * 4);
            indirect(dev, sb, inode.number(), ptr, level, logical, needed, runs, budget);
            logical += span;
            span *= perBlock;
        }
    }

    private static void indirect(BlockSource dev, Superblock sb, long ino, long block, int level, long firstLogical,
                                 long needed, List<Run> runs, int[] budget) {
        if (block == 0 || firstLogical >= needed) return; // a hole of the whole subtree
        if (--budget[0] < 0) throw corrupt(ino, "block map needs more than " + MAX_INDIRECT_READS + " indirect blocks");
        if (block >= sb.blocksCount()) throw corrupt(ino, "indirect block " + block + " beyond the file system");
        byte[] b = dev.read(block * sb.blockSize(), sb.blockSize());
        long perBlock = sb.blockSize() / 4;
        long span = 1;
        for (int i = 1; i < level; i++) span *= perBlock;
        for (int i = 0; i < perBlock; i++) {
            long logical = firstLogical + i * span;
            if (logical >= needed) return;
            long ptr = LittleEndian.u32(b, i * 4);
            if (level == 1) add(runs, sb, ino, logical, ptr);
            else indirect(dev, sb, ino, ptr, level - 1, logical, needed, runs, budget);
        }
    }

    private static void add(List<Run> runs, Superblock sb, long ino, long logical, long phys) {
        if (phys == 0) return;
        if (phys >= sb.blocksCount()) throw corrupt(ino, "block pointer " + phys + " beyond the file system");
        if (!runs.isEmpty()) {
            Run last = runs.getLast();
            if (last.logical() + last.length() == logical && last.physical() + last.length() == phys) {
                runs.set(runs.size() - 1, new Run(last.logical(), last.physical(), last.length() + 1, false));
                return;
            }
        }
        if (runs.size() >= MAX_RUNS) throw corrupt(ino, "more than " + MAX_RUNS + " block runs");
        runs.add(new Run(logical, phys, 1, false));
    }

    private static ChirpException corrupt(long ino, String msg) {
        return ChirpException.corrupt("ext4 inode " + ino + ": " + msg);
    }
}
