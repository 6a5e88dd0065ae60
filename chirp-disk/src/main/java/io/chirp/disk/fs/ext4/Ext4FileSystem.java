package io.chirp.disk.fs.ext4;

import io.chirp.core.ChirpException;
import io.chirp.disk.LittleEndian;
import io.chirp.disk.block.BlockSource;
import io.chirp.disk.fs.DirEntry;
import io.chirp.disk.fs.Directory;
import io.chirp.disk.fs.FileLayout;
import io.chirp.disk.fs.FileMeta;
import io.chirp.disk.fs.FileSystem;
import io.chirp.disk.fs.FileType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** An ext2/3/4 file system on a block source, read-only and bounded everywhere. */
public final class Ext4FileSystem implements FileSystem {
    /** Largest directory read into memory; the kernel's own largedir limit is about 4 GiB, real ones are far smaller. */
    static final long MAX_DIR_BYTES = 256L << 20;
    private static final int COPY_CHUNK = 1 << 20;
    private static final long ROOT = 2;

    private final BlockSource dev;
    private final Superblock sb;
    private final GroupTable groups;
    private final Checksums checksums;
    private final List<String> volumeProblems;

    private Ext4FileSystem(BlockSource dev, Superblock sb, GroupTable groups, Checksums checksums, List<String> volumeProblems) {
        this.dev = dev;
        this.sb = sb;
        this.groups = groups;
        this.checksums = checksums;
        this.volumeProblems = List.copyOf(volumeProblems);
    }

    /** Opens the ext2/3/4 file system on {@code dev}. */
    public static Ext4FileSystem open(BlockSource dev) {
        if (dev.size() < Superblock.OFFSET + 1024) throw ChirpException.corrupt(dev.describe() + ": too small for ext4");
        byte[] raw = dev.read(Superblock.OFFSET, 1024);
        Superblock sb = Superblock.parse(raw, dev.size());
        if (sb.has(Superblock.INCOMPAT_ENCRYPT)) {
            org.slf4j.LoggerFactory.getLogger(Ext4FileSystem.class).warn("ext4 on {} uses encryption: encrypted names and contents are shown as stored", dev.describe());
        }
        Checksums cs = Checksums.of(raw, sb);
        List<String> problems = new ArrayList<>();
        Checksums.unverified(raw, sb).ifPresent(problems::add);
        cs.superblock(raw).ifPresent(problems::add);
        return new Ext4FileSystem(dev, sb, GroupTable.read(dev, sb), cs, problems);
    }

    /** {@return the superblock} */
    public Superblock superblock() { return sb; }

    @Override public String type() { return "ext4"; }

    @Override public String label() { return sb.label(); }

    @Override public long rootInode() { return ROOT; }

    @Override public BlockSource volume() { return dev; }

    @Override public List<String> volumeProblems() { return volumeProblems; }

    /** {@return the raw inode {@code n}} */
    public Inode inode(long n) {
        return Inode.parse(n, rawInode(n), 0, sb.inodeSize());
    }

    /** {@return the inode record of {@code n} as stored; zeros for a group whose inode table is uninitialised} */
    private byte[] rawInode(long n) {
        if (n < 1 || n > sb.inodesCount()) throw ChirpException.notFound("ext4: no inode " + n + " (1.." + sb.inodesCount() + ")");
        int g = (int) ((n - 1) / sb.inodesPerGroup());
        long index = (n - 1) % sb.inodesPerGroup();
        if (groups.inodesUninitialised(g)) return new byte[sb.inodeSize()];
        long table = groups.inodeTable(g);
        long tableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + sb.blockSize() - 1) / sb.blockSize();
        if (table == 0 || table + tableBlocks > sb.blocksCount()) throw ChirpException.corrupt("ext4: inode table of group " + g + " at block " + table + " out of range");
        return dev.read(table * sb.blockSize() + index * sb.inodeSize(), sb.inodeSize());
    }

    /** The checksum of a record that was ever written (an all-zero record of a never-used inode has none). */
    private List<String> inodeProblems(long n, byte[] raw) {
        boolean blank = true;
        for (byte x : raw) if (x != 0) { blank = false; break; }
        return blank ? List.of() : checksums.inode(n, raw, sb.inodeSize()).stream().toList();
    }

    /** {@return whether the inode bitmap marks {@code n} in use} */
    public boolean allocated(long n) {
        int g = (int) ((n - 1) / sb.inodesPerGroup());
        if (groups.inodesUninitialised(g)) return false;
        long bit = (n - 1) % sb.inodesPerGroup();
        long bitmap = groups.inodeBitmap(g);
        if (bitmap == 0 || bitmap >= sb.blocksCount()) throw ChirpException.corrupt("ext4: inode bitmap of group " + g + " at block " + bitmap + " out of range");
        byte[] b = dev.read(bitmap * sb.blockSize() + bit / 8, 1);
        return (b[0] >> (bit % 8) & 1) != 0;
    }

    @Override
    public FileMeta stat(long n) {
        byte[] raw = rawInode(n);
        Inode i = Inode.parse(n, raw, 0, sb.inodeSize());
        return new FileMeta(n, i.type(), i.mode() & 07777, i.uid(), i.gid(), i.size(), i.links(), i.times(),
                allocated(n), i.type() == FileType.SYMLINK ? Optional.of(linkTarget(i)) : Optional.empty(), inodeProblems(n, raw));
    }

    @Override
    public Directory readDir(long n) {
        byte[] raw = rawInode(n);
        Inode dir = Inode.parse(n, raw, 0, sb.inodeSize());
        if (dir.type() != FileType.DIRECTORY) throw ChirpException.corrupt("ext4: inode " + n + " is not a directory");
        boolean fileTypes = sb.has(Superblock.INCOMPAT_FILETYPE);
        List<DirEntry> out = new ArrayList<>();
        List<String> problems = new ArrayList<>(); // the inode's own checksum is stat's to report
        String where = "ext4 directory inode " + n;
        if (dir.hasInlineData()) {
            // inline: 4-byte parent inode, then entries in the rest of i_block, then in the system.data xattr
            Directories.parseBlock(dir.iBlock(), 4, 56, sb.inodesCount(), fileTypes, false, out, problems, where + " (inline)");
            byte[] x = dir.inlineXattr();
            if (x.length > 0) Directories.parseBlock(x, 0, x.length, sb.inodesCount(), fileTypes, false, out, problems, where + " (inline xattr)");
            return new Directory(collapse(out), problems);
        }
        if (dir.size() > MAX_DIR_BYTES) throw ChirpException.corrupt("ext4: directory " + n + " claims " + dir.size() + " bytes");
        int bs = sb.blockSize();
        boolean indexed = (dir.flags() & Inode.INDEX_FL) != 0;
        // only blocks the directory really has: a hole in a directory holds no names (and a forged size no memory)
        for (BlockRuns.Run r : BlockRuns.of(dev, sb, dir)) {
            for (long k = 0; k < r.length() && out.size() < Directories.MAX_ENTRIES; k++) {
                long logical = r.logical() + k;
                if (logical * bs >= dir.size()) break;
                if (r.unwritten()) continue;
                byte[] block = dev.read((r.physical() + k) * bs, bs);
                String at = where + " block " + logical;
                // htree index blocks (the root, and nodes that are one empty entry spanning the block) carry their
                // checksum in a dx_tail whose reserved word may still look like a leaf's tail: only leaves are judged
                boolean dxNode = indexed && (logical == 0 || LittleEndian.u32(block, 0) == 0 && LittleEndian.u16(block, 4) == bs);
                (dxNode ? checksums.dxBlock(n, raw, block, bs, logical == 0) : checksums.dirBlock(n, raw, block, 0, bs))
                        .ifPresent(p -> problems.add(at + ": " + p));
                Directories.parseBlock(block, 0, bs, sb.inodesCount(), fileTypes, indexed, out, problems, at);
            }
        }
        return new Directory(collapse(out), problems);
    }

    /**
     * One entry per (inode, name), the live one when there is one: an htree split or a rename leaves stale copies
     * of live entries in slack space, which are not deleted files. The Sleuth Kit merges them the same way.
     */
    private static List<DirEntry> collapse(List<DirEntry> entries) {
        java.util.Map<String, Integer> at = new java.util.HashMap<>();
        List<DirEntry> out = new ArrayList<>(entries.size());
        for (DirEntry e : entries) {
            String key = e.inode() + "/" + e.name();
            Integer i = at.get(key);
            if (i == null) {
                at.put(key, out.size());
                out.add(e);
            } else if (out.get(i).deleted() && !e.deleted()) {
                out.set(i, e);
            }
        }
        return out;
    }

    @Override
    public FileLayout layout(long n) {
        Inode i = inode(n);
        if (i.hasInlineData() || isFastSymlink(i)) {
            return new FileLayout(i.size(), List.of(), Optional.of(inlineBytes(i)), List.of());
        }
        long bs = sb.blockSize();
        List<FileLayout.Range> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        long pos = 0;
        for (BlockRuns.Run r : BlockRuns.of(dev, sb, i)) {
            long start = r.logical() * bs;
            if (start >= i.size()) break; // blocks past the end (preallocated, or forged) are not the file's content
            if (start < pos) {
                problems.add("ext4 inode " + n + ": extent at logical block " + r.logical() + " overlaps the previous one; skipped");
                continue;
            }
            long end = Math.min(i.size(), start + r.length() * bs);
            out.add(new FileLayout.Range(start, end - start, r.physical() * bs, r.unwritten()));
            pos = end;
        }
        return new FileLayout(i.size(), out, Optional.empty(), problems);
    }

    @Override
    public long copy(long n, OutputStream out, long limit) {
        return copy(inode(n), out, limit);
    }

    private long copy(Inode i, OutputStream out, long limit) {
        long size = Math.min(i.size(), limit);
        try {
            if (i.hasInlineData() || isFastSymlink(i)) {
                byte[] inline = inlineBytes(i);
                int n = (int) Math.min(size, inline.length);
                out.write(inline, 0, n);
                // an inline file may be longer than its inline bytes (written sparsely): the rest reads as zeros
                return zeros(out, n, i.hasInlineData() ? size : n, new byte[COPY_CHUNK]);
            }
            long bs = sb.blockSize();
            long pos = 0;
            byte[] buf = new byte[COPY_CHUNK];
            for (BlockRuns.Run r : BlockRuns.of(dev, sb, i)) {
                long start = r.logical() * bs;
                if (start >= size) break;
                if (start < pos) continue; // overlapping extents on a damaged disk: first one wins
                pos = zeros(out, pos, start, buf);
                long end = Math.min(size, start + r.length() * bs);
                while (pos < end) {
                    int n = (int) Math.min(buf.length, end - pos);
                    if (r.unwritten()) Arrays.fill(buf, 0, n, (byte) 0);
                    else dev.read(r.physical() * bs + (pos - start), buf, 0, n);
                    out.write(buf, 0, n);
                    pos += n;
                }
            }
            return zeros(out, pos, size, buf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long zeros(OutputStream out, long from, long to, byte[] buf) throws IOException {
        long pos = from;
        if (pos < to) Arrays.fill(buf, (byte) 0);
        while (pos < to) {
            int n = (int) Math.min(buf.length, to - pos);
            out.write(buf, 0, n);
            pos += n;
        }
        return pos;
    }

    private static byte[] inlineBytes(Inode i) {
        byte[] x = i.inlineXattr();
        byte[] all = Arrays.copyOf(i.iBlock(), 60 + x.length);
        System.arraycopy(x, 0, all, 60, x.length);
        return all;
    }

    /** As the kernel decides: a symlink with no data blocks (beyond an xattr block) keeps its target in i_block. */
    private boolean isFastSymlink(Inode i) {
        if (i.type() != FileType.SYMLINK || i.hasInlineData()) return false;
        long eaBlocks = i.fileAcl() != 0 ? sb.blockSize() / 512 : 0;
        return i.blocks512() - eaBlocks == 0;
    }

    private String linkTarget(Inode i) {
        if (i.size() > 4096) return "";
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        copy(i, b, 4096);
        byte[] t = b.toByteArray();
        return io.chirp.disk.fs.GuestNames.decode(t, 0, t.length);
    }

    /**
     * Unallocated inodes that still have a mode and that no directory entry names: deleted files whose inode
     * survived. The Sleuth Kit lists the same under {@code $OrphanFiles}. Reads inode tables a chunk at a time.
     */
    @Override
    public List<DirEntry> orphans(Set<Long> referenced) {
        List<DirEntry> out = new ArrayList<>();
        int isz = sb.inodeSize();
        int perChunk = Math.max(1, COPY_CHUNK / isz);
        for (int g = 0; g < groups.groups() && out.size() < Directories.MAX_ENTRIES; g++) {
            if (groups.inodesUninitialised(g)) continue;
            long firstIno = (long) g * sb.inodesPerGroup() + 1;
            long bitmapBlock = groups.inodeBitmap(g), table = groups.inodeTable(g);
            if (bitmapBlock == 0 || bitmapBlock >= sb.blocksCount() || table == 0 || table >= sb.blocksCount()) {
                throw ChirpException.corrupt("ext4: group " + g + " has its inode bitmap or table out of range");
            }
            byte[] bitmap = dev.read(bitmapBlock * sb.blockSize(), sb.blockSize());
            for (long idx = 0; idx < sb.inodesPerGroup(); idx += perChunk) {
                int count = (int) Math.min(perChunk, sb.inodesPerGroup() - idx);
                long lastIno = firstIno + idx + count - 1;
                if (firstIno + idx > sb.inodesCount()) break;
                boolean any = false;
                for (int k = 0; k < count && !any; k++) any = (bitmap[(int) ((idx + k) / 8)] >> ((idx + k) % 8) & 1) == 0;
                if (!any) continue;
                byte[] chunk = dev.read(table * sb.blockSize() + idx * isz, count * isz);
                for (int k = 0; k < count; k++) {
                    long n = firstIno + idx + k;
                    if (n < 11 || n > sb.inodesCount() || n > lastIno) continue; // reserved inodes are never orphans
                    if ((bitmap[(int) ((idx + k) / 8)] >> ((idx + k) % 8) & 1) != 0 || referenced.contains(n)) continue;
                    if (LittleEndian.u16(chunk, k * isz) == 0) continue;
                    Inode i = Inode.parse(n, chunk, k * isz, isz);
                    out.add(new DirEntry("OrphanFile-" + n, n, i.type(), true));
                }
            }
        }
        return out;
    }
}
