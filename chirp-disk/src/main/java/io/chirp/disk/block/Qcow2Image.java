package io.chirp.disk.block;

import io.chirp.core.ChirpException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A qcow2 image read in Java: the L1/L2 tables map each guest cluster to a host cluster, a compressed run, a zero
 * cluster or nothing (then the backing file, or zeros). Every host offset is checked against the file, and the
 * backing chain against depth and cycles, because a hostile image can point anywhere. Backing files are followed
 * only where a {@link BackingPolicy} allows: the header's file name is chosen by whoever wrote the image.
 */
public final class Qcow2Image implements BlockSource {
    /** Deepest backing chain followed: real chains are a handful of images. */
    public static final int MAX_CHAIN = 16;
    private static final long L1_OFFSET_MASK = 0x00fffffffffffe00L;
    private static final long L2_OFFSET_MASK = 0x00fffffffffffe00L;
    private static final long COMPRESSED = 1L << 62;
    private static final int L2_CACHE = 64;

    private final RawImage file;
    private final Qcow2Header header;
    private final long[] l1;
    private final Optional<BlockSource> backing;
    private final Map<Long, long[]> l2Cache = new LinkedHashMap<>(L2_CACHE, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<Long, long[]> e) { return size() > L2_CACHE; }
    };

    private Qcow2Image(RawImage file, Qcow2Header header, long[] l1, Optional<BlockSource> backing) {
        this.file = file;
        this.header = header;
        this.l1 = l1;
        this.backing = backing;
    }

    /** Opens a qcow2 image read-only, following no backing file (an image naming one is refused). */
    public static Qcow2Image open(Path path) {
        return open(path, BackingPolicy.NONE);
    }

    /** Opens a qcow2 image read-only, following its backing chain where {@code policy} allows. */
    public static Qcow2Image open(Path path, BackingPolicy policy) {
        return open(path, policy, new java.util.HashSet<>(), 0);
    }

    static Qcow2Image open(Path path, BackingPolicy policy, Set<Path> seen, int depth) {
        if (depth >= MAX_CHAIN) throw ChirpException.corrupt(path + ": backing chain deeper than " + MAX_CHAIN + " images");
        Path real = realPath(path);
        if (!seen.add(real)) throw ChirpException.corrupt(path + ": backing chain loops back to " + real);
        RawImage file = RawImage.open(path);
        try {
            String what = "qcow2 image " + path;
            byte[] head = file.read(0, (int) Math.min(file.size(), 1 << 16));
            Qcow2Header h = Qcow2Header.parse(what, head, file.size());
            byte[] l1Bytes = file.read(h.l1Offset(), h.l1Size() * 8);
            long[] l1 = new long[h.l1Size()];
            for (int i = 0; i < l1.length; i++) l1[i] = Qcow2Header.be64(l1Bytes, i * 8);
            Optional<BlockSource> backing = Optional.empty();
            if (h.backingFile().isPresent()) backing = Optional.of(openBacking(path, h, policy, seen, depth));
            return new Qcow2Image(file, h, l1, backing);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static BlockSource openBacking(Path image, Qcow2Header h, BackingPolicy policy, Set<Path> seen, int depth) {
        String name = h.backingFile().orElseThrow();
        if (name.startsWith("json:") || name.contains("://") || name.indexOf('\0') >= 0) {
            throw Qcow2Header.unsupported("qcow2 image " + image, "backing file protocol " + name);
        }
        String fmt = h.backingFormat().orElse(null);
        if (fmt != null && !fmt.equals("qcow2") && !fmt.equals("raw")) {
            throw Qcow2Header.unsupported("qcow2 image " + image, "backing format " + fmt);
        }
        Path p = Path.of(name);
        if (!p.isAbsolute()) p = image.toAbsolutePath().getParent().resolve(p);
        Path real = policy.admit(image, name, p);
        boolean qcow2 = fmt != null ? fmt.equals("qcow2") : DiskImages.isQcow2(real);
        if (qcow2) return open(real, policy, seen, depth + 1);
        if (!seen.add(real)) throw ChirpException.corrupt(image + ": backing chain loops back to " + real);
        return RawImage.open(real);
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (java.io.IOException e) {
            throw ChirpException.notFound("cannot resolve disk image " + p + ": " + e.getMessage());
        }
    }

    /** {@return this image and every backing file below it, top first, as "path (format)"} */
    public List<String> chain() {
        List<String> out = new ArrayList<>();
        out.add(file.path() + " (qcow2)");
        backing.ifPresent(b -> {
            if (b instanceof Qcow2Image q) out.addAll(q.chain());
            else if (b instanceof RawImage r) out.add(r.path() + " (raw)");
        });
        return out;
    }

    /**
     * {@return a qemu-img {@code json:} file name for exactly this chain: the files CHIRP opened and no other, so
     * qemu-img cannot follow a backing file CHIRP refused}
     */
    public Map<String, Object> qemuSpec() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("driver", "qcow2");
        m.put("file", Map.of("driver", "file", "filename", file.path().toAbsolutePath().toString()));
        m.put("backing", backing.map(b -> b instanceof Qcow2Image q ? q.qemuSpec()
                : (Object) RawImage.qemuSpec(((RawImage) b).path())).orElse(null));
        return m;
    }

    /** {@return the parsed header} */
    public Qcow2Header header() { return header; }

    /** {@return the backing image, if any} */
    public Optional<BlockSource> backing() { return backing; }

    @Override public String describe() { return "qcow2 image " + file.path(); }

    @Override public long size() { return header.size(); }

    @Override
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        BlockSource.checkRange(describe(), header.size(), offset, length);
        int cs = header.clusterSize();
        int done = 0;
        while (done < length) {
            long pos = offset + done;
            int inCluster = (int) (pos & (cs - 1));
            int n = Math.min(length - done, cs - inCluster);
            readInCluster(pos, dst, dstOffset + done, n);
            done += n;
        }
    }

    private void readInCluster(long pos, byte[] dst, int dstOffset, int n) {
        int bits = header.clusterBits();
        long cluster = pos >>> bits;
        int inCluster = (int) (pos & ((1L << bits) - 1));
        long entry = l2Entry(cluster);
        if ((entry & COMPRESSED) != 0) {
            byte[] data = decompress(entry, cluster);
            System.arraycopy(data, inCluster, dst, dstOffset, n);
            return;
        }
        long host = entry & L2_OFFSET_MASK;
        if (header.version() >= 3 && (entry & 1) != 0) {
            java.util.Arrays.fill(dst, dstOffset, dstOffset + n, (byte) 0); // zero cluster, even over a backing file
            return;
        }
        if (host == 0) {
            readBacking(pos, dst, dstOffset, n);
            return;
        }
        if ((host & ((1L << bits) - 1)) != 0) throw corrupt("data cluster offset 0x" + Long.toHexString(host) + " misaligned", cluster);
        if (host + inCluster + n > file.size()) {
            throw corrupt("data cluster at 0x" + Long.toHexString(host) + " lies beyond the file (" + file.size() + " bytes)", cluster);
        }
        file.read(host + inCluster, dst, dstOffset, n);
    }

    private void readBacking(long pos, byte[] dst, int dstOffset, int n) {
        long avail = backing.map(b -> Math.max(0, Math.min(n, b.size() - pos))).orElse(0L);
        if (avail > 0) backing.get().read(pos, dst, dstOffset, (int) avail);
        // past the end of a shorter backing file (or with none) the disk reads as zeros
        java.util.Arrays.fill(dst, dstOffset + (int) avail, dstOffset + n, (byte) 0);
    }

    private long l2Entry(long cluster) {
        int bits = header.clusterBits();
        int l2Bits = bits - 3;
        long l1Index = cluster >>> l2Bits;
        if (l1Index >= l1.length) throw corrupt("L1 index " + l1Index + " beyond the L1 table", cluster);
        long l2Offset = l1[(int) l1Index] & L1_OFFSET_MASK;
        if (l2Offset == 0) return 0;
        long[] table;
        synchronized (l2Cache) {
            table = l2Cache.get(l2Offset);
        }
        if (table == null) {
            if ((l2Offset & ((1L << bits) - 1)) != 0 || l2Offset > file.size() - (1L << bits)) {
                throw corrupt("L2 table at 0x" + Long.toHexString(l2Offset) + " misaligned or beyond the file", cluster);
            }
            byte[] raw = file.read(l2Offset, 1 << bits);
            table = new long[1 << l2Bits];
            for (int i = 0; i < table.length; i++) table[i] = Qcow2Header.be64(raw, i * 8);
            synchronized (l2Cache) {
                l2Cache.put(l2Offset, table);
            }
        }
        return table[(int) (cluster & ((1L << l2Bits) - 1))];
    }

    /** A compressed cluster: x = 62 - (cluster_bits - 8) bits of host offset, then the count of extra 512-byte sectors. */
    private byte[] decompress(long entry, long cluster) {
        int bits = header.clusterBits();
        int x = 62 - (bits - 8);
        long hostOffset = entry & ((1L << x) - 1);
        long sectors = ((entry & ~COMPRESSED & (1L << 62) - 1) >>> x) + 1;
        long compressedLength = sectors * 512 - (hostOffset & 511);
        // the last compressed cluster may end before its final sector does
        compressedLength = Math.min(compressedLength, file.size() - hostOffset);
        if (hostOffset <= 0 || compressedLength <= 0 || compressedLength > 2L << bits) {
            throw corrupt("compressed cluster at 0x" + Long.toHexString(hostOffset) + " out of range", cluster);
        }
        byte[] in = file.read(hostOffset, (int) compressedLength);
        byte[] out = new byte[1 << bits];
        Inflater inf = new Inflater(true); // raw deflate, no zlib header
        try {
            inf.setInput(in);
            int got = 0;
            for (int i = 0; i < 64 && got < out.length && !inf.finished(); i++) {
                int k = inf.inflate(out, got, out.length - got);
                got += k;
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) break;
            }
            if (got < out.length) throw corrupt("compressed cluster inflates to " + got + " bytes, not " + out.length, cluster);
            return out;
        } catch (DataFormatException e) {
            throw corrupt("compressed cluster is not valid deflate data: " + e.getMessage(), cluster);
        } finally {
            inf.end();
        }
    }

    private ChirpException corrupt(String msg, long cluster) {
        return ChirpException.corrupt(describe() + ": guest cluster " + cluster + ": " + msg);
    }

    @Override
    public void close() {
        file.close();
        backing.ifPresent(BlockSource::close);
    }
}
