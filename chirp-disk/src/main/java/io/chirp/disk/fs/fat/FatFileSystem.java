package io.chirp.disk.fs.fat;

import io.chirp.core.ChirpException;
import io.chirp.disk.LittleEndian;
import io.chirp.disk.block.BlockSource;
import io.chirp.disk.fs.DirEntry;
import io.chirp.disk.fs.Directory;
import io.chirp.disk.fs.FileLayout;
import io.chirp.disk.fs.FileMeta;
import io.chirp.disk.fs.FileSystem;
import io.chirp.disk.fs.FileType;
import io.chirp.disk.fs.Macb;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/** A FAT32 file system on a block source. */
public final class FatFileSystem implements FileSystem {
    private static final long ROOT = 2;
    private static final int FIRST_NORMAL_INODE = 3; // the Sleuth Kit numbers entries from 3
    /** Reserved sectors above this are taken as damage: FAT32 tools write 32, some up to a few thousand for alignment. */
    private static final int MAX_PLAUSIBLE_RESERVED = 8192;
    private static final int ATTR_RO = 0x01, ATTR_VOLUME = 0x08, ATTR_DIR = 0x10, ATTR_LFN = 0x0f;

    private final BlockSource dev;
    private final int bytesPerSector, sectorsPerCluster, rootCluster;
    private final long fatOffset, firstDataSector, clusterCount;
    private final String label;
    private final List<String> volumeProblems;

    private FatFileSystem(BlockSource dev, int bps, int spc, long fatOffset, long firstDataSector, long clusterCount,
                          int rootCluster, String label, List<String> volumeProblems) {
        this.dev = dev;
        this.bytesPerSector = bps;
        this.sectorsPerCluster = spc;
        this.fatOffset = fatOffset;
        this.firstDataSector = firstDataSector;
        this.clusterCount = clusterCount;
        this.rootCluster = rootCluster;
        this.label = label;
        this.volumeProblems = List.copyOf(volumeProblems);
    }

    /** Opens the FAT32 file system starting at byte 0 of {@code dev}. */
    public static FatFileSystem open(BlockSource dev) {
        byte[] b = dev.read(0, 512);
        int bps = LittleEndian.u16(b, 11), spc = LittleEndian.u8(b, 13);
        int reserved = LittleEndian.u16(b, 14), fats = LittleEndian.u8(b, 16);
        long total = LittleEndian.u16(b, 19) != 0 ? LittleEndian.u16(b, 19) : LittleEndian.u32(b, 32);
        long fatSize = LittleEndian.u32(b, 36);
        long root = LittleEndian.u32(b, 44);
        if (bps < 512 || bps > 4096 || Integer.bitCount(bps) != 1) throw ChirpException.corrupt("FAT32: bytes per sector " + bps);
        if (spc == 0 || Integer.bitCount(spc) != 1) throw ChirpException.corrupt("FAT32: sectors per cluster " + spc);
        if (reserved == 0 || fats == 0 || fats > 4 || fatSize == 0) throw ChirpException.corrupt("FAT32: bad reserved/FAT geometry");
        long firstData = reserved + (long) fats * fatSize;
        if (total <= firstData) throw ChirpException.corrupt("FAT32: no room for data (" + total + " sectors)");
        long clusters = (total - firstData) / spc;
        if (fatSize * bps / 4 < clusters + 2) throw ChirpException.corrupt("FAT32: FAT too small for " + clusters + " clusters");
        if (root < 2 || root >= clusters + 2) throw ChirpException.corrupt("FAT32: root cluster " + root + " out of range");
        String label = new String(b, 71, 11, StandardCharsets.ISO_8859_1).strip();
        List<String> problems = new ArrayList<>();
        if (reserved > MAX_PLAUSIBLE_RESERVED) {
            problems.add("FAT32: " + reserved + " reserved sectors (mkfs writes 32; more than " + MAX_PLAUSIBLE_RESERVED
                    + " suggests a damaged boot sector)");
        }
        // FAT[0] holds the media descriptor and FAT[1] end-of-chain bits: where they are not, the FAT is not here,
        // and every chain and directory read from it would be silently wrong (typically empty)
        long fat0 = LittleEndian.u32(dev.read((long) reserved * bps, 4), 0) & 0x0fffffffL;
        int media = LittleEndian.u8(b, 21);
        if ((fat0 & 0xff) != media || (fat0 | 0xff) != 0x0fffffffL) {
            problems.add("FAT32: the FAT at sector " + reserved + " does not begin with the media descriptor 0x"
                    + Integer.toHexString(media) + " (found 0x" + Long.toHexString(fat0) + "): the reserved sector count may be"
                    + " damaged, so clusters and directories may be read from the wrong place");
        }
        long rootNext = LittleEndian.u32(dev.read((long) reserved * bps + root * 4, 4), 0) & 0x0fffffffL;
        if (rootNext == 0) problems.add("FAT32: the root directory's cluster " + root + " is marked free in the FAT");
        return new FatFileSystem(dev, bps, spc, (long) reserved * bps, firstData, clusters, (int) root, label, problems);
    }

    @Override public BlockSource volume() { return dev; }

    @Override public List<String> volumeProblems() { return volumeProblems; }

    @Override public String type() { return "fat32"; }

    @Override public String label() { return label; }

    @Override public long rootInode() { return ROOT; }

    private int clusterBytes() { return bytesPerSector * sectorsPerCluster; }

    private long clusterSector(long c) { return firstDataSector + (c - 2) * sectorsPerCluster; }

    /** The cluster chain from {@code first}: bounded by the cluster count, a cluster seen twice is a loop. */
    private List<Long> chain(long first, long maxClusters) {
        List<Long> out = new ArrayList<>();
        BitSet seen = new BitSet();
        long c = first;
        while (c >= 2 && c < clusterCount + 2 && out.size() < maxClusters) {
            if (seen.get((int) c)) throw ChirpException.corrupt("FAT32: cluster chain from " + first + " loops at " + c);
            seen.set((int) c);
            out.add(c);
            long next = LittleEndian.u32(dev.read(fatOffset + c * 4, 4), 0) & 0x0fffffffL;
            if (next >= 0x0ffffff7L || next == 0) break;
            c = next;
        }
        return out;
    }

    /** The raw 32-byte directory entry behind a (Sleuth Kit style) inode number. */
    private byte[] entry(long inode) {
        int perSector = bytesPerSector / 32;
        long rel = inode - FIRST_NORMAL_INODE;
        long sector = firstDataSector + rel / perSector;
        if (inode < FIRST_NORMAL_INODE || rel / perSector >= clusterCount * sectorsPerCluster) {
            throw ChirpException.notFound("FAT32: no inode " + inode);
        }
        return dev.read(sector * bytesPerSector + (rel % perSector) * 32, 32);
    }

    private static long firstCluster(byte[] e) { return (long) LittleEndian.u16(e, 20) << 16 | LittleEndian.u16(e, 26); }

    @Override
    public Directory readDir(long inode) {
        long first = inode == ROOT ? rootCluster : dirCluster(inode);
        List<DirEntry> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int perSector = bytesPerSector / 32;
        StringBuilder lfn = new StringBuilder();
        int lfnSum = -1;
        for (long c : chain(first, clusterCount)) {
            byte[] data = dev.read(clusterSector(c) * bytesPerSector, clusterBytes());
            for (int i = 0; i < data.length / 32; i++) {
                int o = i * 32;
                int b0 = data[o] & 0xff;
                if (b0 == 0) return new Directory(out, problems); // end of directory
                int attr = data[o + 11] & 0xff;
                if (attr == ATTR_LFN) {
                    if ((b0 & 0x40) != 0) lfn.setLength(0);
                    lfn.insert(0, lfnPart(data, o));
                    lfnSum = data[o + 13] & 0xff;
                    continue;
                }
                boolean deleted = b0 == 0xE5;
                String name = lfn.length() > 0 && !deleted && lfnSum == checksum(data, o) ? lfn.toString() : shortName(data, o, deleted);
                lfn.setLength(0);
                if ((attr & ATTR_VOLUME) != 0 || name.equals(".") || name.equals("..")) continue;
                long sector = clusterSector(c) + (long) i / perSector;
                long ino = (sector - firstDataSector) * perSector + i % perSector + FIRST_NORMAL_INODE;
                out.add(new DirEntry(name, ino, (attr & ATTR_DIR) != 0 ? FileType.DIRECTORY : FileType.REGULAR, deleted));
            }
        }
        return new Directory(out, problems);
    }

    private long dirCluster(long inode) {
        byte[] e = entry(inode);
        if ((e[11] & ATTR_DIR) == 0) throw ChirpException.corrupt("FAT32: inode " + inode + " is not a directory");
        long c = firstCluster(e);
        return c == 0 ? rootCluster : c; // ".." of a first-level directory points at cluster 0, meaning the root
    }

    private static String lfnPart(byte[] d, int o) {
        StringBuilder sb = new StringBuilder();
        for (int[] run : new int[][]{{1, 5}, {14, 6}, {28, 2}}) {
            for (int k = 0; k < run[1]; k++) {
                char ch = (char) LittleEndian.u16(d, o + run[0] + 2 * k);
                if (ch == 0 || ch == 0xffff) return sb.toString();
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    private static int checksum(byte[] d, int o) {
        int sum = 0;
        for (int k = 0; k < 11; k++) sum = (((sum & 1) << 7) | ((sum & 0xff) >> 1)) + (d[o + k] & 0xff) & 0xff;
        return sum;
    }

    /** 8.3 name; a deleted entry's lost first letter shows as '_' as the Sleuth Kit shows it. */
    private static String shortName(byte[] d, int o, boolean deleted) {
        String base = new String(d, o, 8, StandardCharsets.ISO_8859_1).stripTrailing();
        String ext = new String(d, o + 8, 3, StandardCharsets.ISO_8859_1).stripTrailing();
        if (deleted && !base.isEmpty()) base = "_" + base.substring(1);
        if ((d[o + 12] & 0x08) != 0) base = base.toLowerCase(java.util.Locale.ROOT);
        if ((d[o + 12] & 0x10) != 0) ext = ext.toLowerCase(java.util.Locale.ROOT);
        return ext.isEmpty() ? base : base + "." + ext;
    }

    @Override
    public FileMeta stat(long inode) {
        if (inode == ROOT) {
            long size = (long) chain(rootCluster, clusterCount).size() * clusterBytes();
            return new FileMeta(ROOT, FileType.DIRECTORY, 0777, 0, 0, size, 1, Macb.NONE, true, Optional.empty(), List.of());
        }
        byte[] e = entry(inode);
        int attr = e[11] & 0xff;
        boolean dir = (attr & ATTR_DIR) != 0;
        int perm = (attr & ATTR_RO) != 0 ? 0555 : 0777;
        long size = dir ? (long) chain(firstCluster(e), clusterCount).size() * clusterBytes() : LittleEndian.u32(e, 28);
        Optional<Instant> m = time(LittleEndian.u16(e, 24), LittleEndian.u16(e, 22), 0);
        Optional<Instant> a = time(LittleEndian.u16(e, 18), 0, 0);
        Optional<Instant> b = time(LittleEndian.u16(e, 16), LittleEndian.u16(e, 14), e[13] & 0xff);
        boolean allocated = (e[0] & 0xff) != 0xE5;
        return new FileMeta(inode, dir ? FileType.DIRECTORY : FileType.REGULAR, perm, 0, 0, size, 1,
                new Macb(m, a, Optional.empty(), b), allocated, Optional.empty(), List.of());
    }

    /** FAT date and time fields (local time, taken as UTC); a zero date means "not recorded". */
    private static Optional<Instant> time(int date, int time, int tenths) {
        if (date == 0) return Optional.empty();
        try {
            LocalDateTime t = LocalDateTime.of(1980 + (date >> 9), (date >> 5) & 15, date & 31,
                    time >> 11, (time >> 5) & 63, (time & 31) * 2).plusNanos(tenths * 10_000_000L);
            return Optional.of(t.toInstant(ZoneOffset.UTC));
        } catch (DateTimeException e) {
            return Optional.empty(); // an impossible date on a damaged disk: no timestamp rather than a wrong one
        }
    }

    @Override
    public FileLayout layout(long inode) {
        byte[] e = entry(inode);
        long size = LittleEndian.u32(e, 28);
        long cb = clusterBytes();
        List<FileLayout.Range> out = new ArrayList<>();
        long pos = 0;
        for (long c : chain(firstCluster(e), (size + cb - 1) / cb)) {
            long n = Math.min(cb, size - pos);
            long disk = clusterSector(c) * bytesPerSector;
            if (!out.isEmpty() && out.getLast().end() == pos && out.getLast().diskOffset() + out.getLast().length() == disk) {
                FileLayout.Range last = out.removeLast();
                out.add(new FileLayout.Range(last.offset(), last.length() + n, last.diskOffset(), false));
            } else {
                out.add(new FileLayout.Range(pos, n, disk, false));
            }
            pos += n;
        }
        // FAT has no holes: a chain shorter than the size means data the file system lost (or a forged size)
        List<String> problems = pos < size ? List.of("FAT32: inode " + inode + " claims " + size + " bytes but its cluster chain covers only "
                + pos + ": the rest is not on the disk and was not written") : List.of();
        return new FileLayout(size, out, Optional.empty(), problems);
    }

    @Override
    public long copy(long inode, OutputStream out, long limit) {
        byte[] e = entry(inode);
        long size = Math.min(LittleEndian.u32(e, 28), limit);
        long clusters = (size + clusterBytes() - 1) / clusterBytes();
        long done = 0;
        try {
            for (long c : chain(firstCluster(e), clusters)) {
                int n = (int) Math.min(clusterBytes(), size - done);
                out.write(dev.read(clusterSector(c) * bytesPerSector, n));
                done += n;
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        if (done < size) throw ChirpException.corrupt("FAT32: inode " + inode + " chain ends after " + done + " of " + size + " bytes");
        return done;
    }
}
