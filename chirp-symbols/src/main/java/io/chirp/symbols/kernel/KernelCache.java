package io.chirp.symbols.kernel;

import io.chirp.core.ChirpException;
import io.chirp.core.ChirpHome;
import io.chirp.core.MemoryRange;
import io.chirp.core.OwnerOnly;
import io.chirp.core.PhysicalMemory;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.btf.BtfBlob;
import io.chirp.symbols.btf.BtfHeader;
import io.chirp.symbols.btf.BtfParser;
import io.chirp.symbols.btf.BtfScanner;
import io.chirp.symbols.kallsyms.KallsymsLayout;
import io.chirp.symbols.kallsyms.KallsymsReader;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A per-kernel cache of what is slow to learn about a kernel and the same on every boot of it: the decoded kallsyms
 * names and where the kernel's tables lie relative to {@code _text}. A hit spares the scan for the tables and the
 * decode of every name; it never spares a check.
 *
 * <p>The guest controls its memory, so an entry is a claim to be verified, never a fact: it is used only if
 * <ul>
 *   <li>the file is unchanged since CHIRP wrote it (a SipHash-2-4 tag under a per-host 128-bit key kept owner-only
 *       beside the entries: a tampered or truncated entry is rejected);</li>
 *   <li>the image holds the same kernel: the banner at the entry's offset from a 2 MiB-aligned candidate
 *       {@code _text}, then keyed tags of the guest's kallsyms names, markers and token tables and of its whole
 *       vmlinux BTF blob equal the entry's (a different kernel, or a guest that rewrote a name, is rejected; the
 *       guest never sees the key, so it cannot make another kernel's bytes match);</li>
 *   <li>and what is rebuilt passes the same cross-checks as a scanned kernel ({@link KernelLocator#finish}).</li>
 * </ul>
 * Everything KASLR moves is read from the image on every use: {@code kallsyms_relative_base} (the runtime
 * {@code _text}), every symbol's offset, and the BTF types are parsed from the guest's own (verified) blob.
 *
 * <p>Why SipHash and not SHA-256/HMAC: one-shot commands run on C1 only, where SHA-256 has no intrinsic and ran
 * at ~30 MiB/s (8 MiB of tables took ~250 ms of a ~0.8 s command); SipHash-2-4 is a keyed PRF (a MAC with a
 * 64-bit tag) that plain Java computes at memory speed.
 *
 * <p>Entries live in {@code $CHIRP_HOME/cache/kernels} (0700, files 0600), one per banner. The cache is used only
 * where it was turned on ({@link #PROPERTY}: the {@code chirp} command sets it; {@code off} turns it off).
 */
public final class KernelCache {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KernelCache.class);
    /** System property: the cache folder, or {@code off}. Unset: no cache (library callers, tests). */
    public static final String PROPERTY = "chirp.kernel.cache";
    private static final byte[] MAGIC = "CHIRP-KERNEL-CACHE-2\n".getBytes(StandardCharsets.US_ASCII);
    private static final String SUFFIX = ".kernel";
    /** An entry larger than this is not one of ours (2M symbols of 512 bytes would be 1 GiB; real ones are ~2 MiB). */
    static final long MAX_ENTRY = 64L << 20;
    /** Candidate {@code _text} addresses probed per entry: one per 2 MiB of the hint, or of all memory. */
    static final long MAX_PROBES = 1 << 20;

    /** The outcome of a lookup. */
    public sealed interface Lookup {
        /** The image holds a cached kernel, verified; {@code info} is what discovery would have found. */
        record Hit(KernelInfo info) implements Lookup {}

        /** Nothing usable: {@code reason} says why (no entry, banner not found, tampered entry, other kernel). */
        record Miss(String reason) implements Lookup {}
    }

    private final Path dir;

    private KernelCache(Path dir) { this.dir = dir; }

    /** {@return a cache in {@code dir} (created 0700 if missing)} */
    public static KernelCache at(Path dir) {
        OwnerOnly.directories(dir);
        return new KernelCache(dir);
    }

    /** {@return the cache {@link #PROPERTY} turns on, if any} */
    public static Optional<KernelCache> standard() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank() || p.equals("off")) return Optional.empty();
        try {
            return Optional.of(at(p.equals("on") ? ChirpHome.resolve("cache/kernels") : Path.of(p)));
        } catch (ChirpException e) {
            return Optional.empty(); // an unusable folder is no cache, not a failed command
        }
    }

    /** {@return the folder of the entries} */
    public Path dir() { return dir; }

    /**
     * {@return the cached kernel in {@code memory}, verified against it, or why there is none} {@code hint}: where
     * the kernel image probably lies (vCPU state, startup_64); null to probe all of memory.
     */
    public Lookup lookup(PhysicalMemory memory, MemoryRange hint) {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) entries.add(p);
        } catch (IOException e) {
            return new Lookup.Miss("cannot list " + dir + ": " + e.getMessage());
        }
        if (entries.isEmpty()) return new Lookup.Miss("no entries in " + dir);
        List<String> why = new ArrayList<>();
        for (Path p : entries) {
            try {
                long t0 = System.nanoTime();
                byte[] file = read(p);
                byte[] key = key(false);
                Entry e = Entry.decode(file, key);
                long t1 = System.nanoTime();
                Long text = findText(memory, hint, e);
                if (text == null) {
                    why.add(p.getFileName() + ": its banner is not in this memory");
                    continue;
                }
                KernelInfo info = rebuild(memory, text, e, key);
                LOG.debug("kernel cache hit {}: entry read and checked {} ms, verified against the image and rebuilt {} ms",
                        p.getFileName(), (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
                return new Lookup.Hit(info);
            } catch (IOException | RuntimeException ex) {
                why.add(p.getFileName() + ": " + ex.getMessage());
            }
        }
        return new Lookup.Miss(String.join("; ", why));
    }

    /** Keeps what {@code found} learned, for the next look at this kernel; a cache that cannot be written is skipped. */
    void store(PhysicalMemory memory, KernelLocator.Found found) {
        try {
            byte[] key = key(true);
            Entry e = Entry.of(memory, found, key);
            byte[] bytes = e.encode(key);
            Path target = dir.resolve(name(e.banner));
            Path tmp = Files.createTempFile(dir, ".entry", ".tmp", OwnerOnly.FILE_ATTRIBUTE);
            try {
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException ex) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | RuntimeException ex) {
            // the cache only saves time: a kernel it cannot describe (or a full disk) is simply not cached
        }
    }

    /** {@return the file name of the entry for a banner} */
    static String name(String banner) {
        return HexFormat.of().formatHex(sha256(banner.getBytes(StandardCharsets.ISO_8859_1)), 0, 16) + SUFFIX;
    }

    private static byte[] read(Path p) throws IOException {
        long size = Files.size(p);
        if (size > MAX_ENTRY) throw ChirpException.corrupt("entry of " + size + " bytes is not a kernel cache entry");
        return Files.readAllBytes(p);
    }

    /** The per-host SipHash key: 16 random bytes in a 0600 file; created on first store. */
    private byte[] key(boolean create) throws IOException {
        Path k = dir.resolve("siphash.key");
        if (Files.exists(k)) {
            byte[] b = Files.readAllBytes(k);
            if (b.length != 16) throw ChirpException.corrupt(k + " is not a 16-byte key");
            return b;
        }
        if (!create) throw ChirpException.notFound("no key " + k);
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        try {
            Files.write(Files.createFile(k, OwnerOnly.FILE_ATTRIBUTE), b);
        } catch (FileAlreadyExistsException e) {
            return key(false); // a concurrent call made it first
        }
        return b;
    }

    /** {@return the 2 MiB-aligned {@code _text} whose linux_banner reads as the entry's banner, or null} */
    private static Long findText(PhysicalMemory memory, MemoryRange hint, Entry e) {
        byte[] want = (e.banner + "\0").getBytes(StandardCharsets.ISO_8859_1);
        // Where vCPU state or startup_64 says the kernel is, else every 2 MiB of data (a few hundred probes per GiB).
        // A hint that does not hold this entry's banner means another kernel: all of memory is not probed then.
        List<MemoryRange> where = hint != null ? List.of(hint) : memory.populated();
        long probes = 0;
        memory.scatteredReads(true); // one page per probe: no read-ahead of the 2 MiB in between
        try {
            for (MemoryRange r : where) {
                for (long t = (r.start() + 0x1fffff) & ~0x1fffffL; t < r.end() && probes < MAX_PROBES; t += 0x200000, probes++) {
                    long pa = t + e.bannerOff;
                    if (pa < 0 || !memory.isBacked(pa, want.length)) continue;
                    if (Arrays.equals(memory.readBytes(pa, want.length), want)) return t;
                }
            }
        } finally {
            memory.scatteredReads(false);
        }
        return null;
    }

    /** Re-checks the entry against the image at {@code text} and rebuilds the kernel from the image's own bytes. */
    private static KernelInfo rebuild(PhysicalMemory memory, long text, Entry e, byte[] key) {
        KallsymsLayout c = e.layout; // offsets from _text
        if (memory.readInt(text + c.numSyms()) != c.count()) throw ChirpException.corrupt("other kernel: kallsyms_num_syms differs");
        long namesFrom = text + c.names(), namesTo = text + c.tokenIndex() + 512;
        if (tag(key, memory, namesFrom, namesTo - namesFrom) != e.kallsymsTag) {
            throw ChirpException.corrupt("other kernel: its kallsyms names and tokens differ from the entry's");
        }
        long btfPa = text + e.btfOff;
        if (!memory.isBacked(btfPa, e.btfSize)) throw ChirpException.corrupt("other kernel: no BTF blob where the entry has it");
        byte[] blob = memory.readBytes(btfPa, (int) e.btfSize);
        if (SipHash.tag(key, MemorySegment.ofArray(blob)) != e.btfTag) throw ChirpException.corrupt("other kernel: its BTF differs from the entry's");
        BtfHeader h = BtfHeader.parse(blob);
        if (!h.sane() || h.totalSize() != e.btfSize) throw ChirpException.corrupt("BTF header at 0x" + Long.toHexString(btfPa) + " not sane");
        long base = memory.readLong(text + c.relativeBase());
        if ((base >>> 31) != 0x1_ffff_ffffL || (base & 0x1f_ffffL) != 0) {
            throw ChirpException.corrupt("kallsyms_relative_base 0x" + Long.toHexString(base) + " is not a kernel base");
        }
        int count = c.count();
        int[] raw = new int[count];
        MemorySegment.copy(memory.view(text + c.offsets(), 4L * count) instanceof MemorySegment v ? v
                : MemorySegment.ofArray(memory.readBytes(text + c.offsets(), 4 * count)),
                PhysicalMemory.INT, 0, raw, 0, count);
        boolean anyNegative = false;
        for (int r : raw) anyNegative |= r < 0;
        KallsymsLayout layout = new KallsymsLayout(c.variant(), text + c.offsets(), text + c.relativeBase(),
                text + c.numSyms(), text + c.names(), text + c.markers(), c.markerSize(),
                c.seqsOfNames() < 0 ? -1 : text + c.seqsOfNames(), text + c.tokenTable(), text + c.tokenIndex(), count,
                base, anyNegative);
        List<Symbol> symbols = new ArrayList<>(count);
        for (int i = 0; i < count; i++) symbols.add(new Symbol(e.names[i], layout.address(raw[i]), e.types[i]));
        KallsymsReader.Kallsyms kallsyms = new KallsymsReader.Kallsyms(KernelSymbols.of(symbols), layout);
        long t0 = System.nanoTime();
        BtfScanner.VmlinuxBtf btf = new BtfScanner.VmlinuxBtf(new BtfBlob(btfPa, h, true), blob, BtfParser.parseLazy(blob));
        LOG.debug("kernel cache: BTF parsed in {} ms", (System.nanoTime() - t0) / 1_000_000);
        KernelInfo info = KernelLocator.finish(memory, kallsyms, btf);
        if (info.physText() != text) throw ChirpException.corrupt("the entry's _text does not match the image's");
        return info;
    }

    private static long tag(byte[] key, PhysicalMemory memory, long pa, long len) {
        if (len < 0 || len > Integer.MAX_VALUE || !memory.isBacked(pa, len)) {
            throw ChirpException.corrupt("other kernel: its kallsyms tables are not where the entry has them");
        }
        MemorySegment v = memory.view(pa, len);
        return SipHash.tag(key, v != null ? v : MemorySegment.ofArray(memory.readBytes(pa, (int) len)));
    }

    static byte[] sha256(byte[] b) { return sha().digest(b); }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One kernel: its banner and where things are relative to {@code _text} (layout fields are offsets, not
     * addresses; its baseValue is unused), the digests that identify it, and the names in kallsyms order.
     */
    record Entry(String banner, long bannerOff, KallsymsLayout layout, long kallsymsTag, long btfOff,
                 long btfSize, long btfTag, String[] names, char[] types) {

        static Entry of(PhysicalMemory memory, KernelLocator.Found f, byte[] key) {
            KernelInfo k = f.info();
            long text = k.physText();
            KallsymsLayout l = f.kallsyms().layout();
            // The table's names in kallsyms order: KernelSymbols keeps them sorted (stably) by address, so the same
            // stable sort of the raw offsets maps each sorted symbol back to its kallsyms index.
            int n = l.count();
            int[] raw = new int[n];
            for (int i = 0; i < n; i++) raw[i] = memory.readInt(l.offsets() + 4L * i);
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> Long.compareUnsigned(l.address(raw[a]), l.address(raw[b])));
            List<Symbol> sorted = k.symbols().all();
            if (sorted.size() != n) throw ChirpException.corrupt("symbol count changed");
            String[] names = new String[n];
            char[] types = new char[n];
            for (int j = 0; j < n; j++) {
                Symbol s = sorted.get(j);
                if (s.address() != l.address(raw[order[j]])) throw ChirpException.corrupt("offsets changed while caching");
                names[order[j]] = s.name();
                types[order[j]] = s.type();
            }
            KallsymsLayout rel = new KallsymsLayout(l.variant(), l.offsets() - text, l.relativeBase() - text,
                    l.numSyms() - text, l.names() - text, l.markers() - text, l.markerSize(),
                    l.seqsOfNames() < 0 ? -1 : l.seqsOfNames() - text, l.tokenTable() - text, l.tokenIndex() - text, n,
                    0, l.absolutePercpu());
            long bannerOff = k.symbolPhys("linux_banner").value() - text;
            long kt = tag(key, memory, l.names(), l.tokenIndex() + 512 - l.names());
            return new Entry(k.banner(), bannerOff, rel, kt, f.btf().blob().pa() - text, f.btf().blob().size(),
                    SipHash.tag(key, MemorySegment.ofArray(f.btf().bytes())), names, types);
        }

        byte[] encode(byte[] key) throws IOException {
            ByteArrayOutputStream bo = new ByteArrayOutputStream(1 << 20);
            DataOutputStream o = new DataOutputStream(bo);
            o.write(MAGIC);
            writeString(o, banner);
            o.writeLong(bannerOff);
            KallsymsLayout l = layout;
            o.writeByte(l.variant().ordinal());
            for (long v : new long[] {l.offsets(), l.relativeBase(), l.numSyms(), l.names(), l.markers(), l.seqsOfNames(),
                    l.tokenTable(), l.tokenIndex()}) o.writeLong(v);
            o.writeInt(l.markerSize());
            o.writeInt(l.count());
            o.writeBoolean(l.absolutePercpu());
            o.writeLong(kallsymsTag);
            o.writeLong(btfOff);
            o.writeLong(btfSize);
            o.writeLong(btfTag);
            // names as one Latin-1 block: type letter, name, '\n' (kallsyms names are printable ASCII, no newline)
            ByteArrayOutputStream nb = new ByteArrayOutputStream(names.length * 24);
            for (int i = 0; i < names.length; i++) {
                if (names[i].indexOf('\n') >= 0) throw ChirpException.corrupt("symbol name with a newline");
                nb.write(types[i]);
                nb.writeBytes(names[i].getBytes(StandardCharsets.ISO_8859_1));
                nb.write('\n');
            }
            o.writeInt(nb.size());
            nb.writeTo(o);
            o.flush();
            byte[] body = bo.toByteArray();
            byte[] out = Arrays.copyOf(body, body.length + 8);
            long t = SipHash.tag(key, MemorySegment.ofArray(body));
            for (int i = 0; i < 8; i++) out[body.length + i] = (byte) (t >>> (8 * i));
            return out;
        }

        /** Reads an entry after checking its tag; CORRUPT if it was changed, truncated or is not an entry. */
        static Entry decode(byte[] file, byte[] key) throws IOException {
            if (file.length < MAGIC.length + 8) throw ChirpException.corrupt("entry truncated");
            int body = file.length - 8;
            long want = 0;
            for (int i = 0; i < 8; i++) want |= (file[body + i] & 0xffL) << (8 * i);
            if (SipHash.tag(key, MemorySegment.ofArray(file).asSlice(0, body)) != want) {
                throw ChirpException.corrupt("entry rejected: its tag does not match (changed or damaged since written,"
                        + " or written under another key)");
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(file, 0, body));
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) throw ChirpException.corrupt("not a kernel cache entry");
            String banner = readString(in);
            long bannerOff = in.readLong();
            int variant = in.readUnsignedByte();
            if (variant >= KallsymsLayout.Variant.values().length) throw ChirpException.corrupt("unknown variant");
            long[] v = new long[8];
            for (int i = 0; i < v.length; i++) v[i] = in.readLong();
            int markerSize = in.readInt();
            int count = in.readInt();
            if (count < 1 || count > 2_000_000) throw ChirpException.corrupt("symbol count " + count);
            boolean absolute = in.readBoolean();
            long kt = in.readLong();
            long btfOff = in.readLong();
            long btfSize = in.readLong();
            if (btfSize < BtfHeader.SIZE || btfSize > BtfHeader.MAX_BLOB) throw ChirpException.corrupt("BTF size " + btfSize);
            long bt = in.readLong();
            int namesLen = in.readInt();
            int at = body - in.available();
            if (namesLen < 0 || namesLen != in.available()) throw ChirpException.corrupt("entry names block of " + namesLen);
            String[] names = new String[count];
            char[] types = new char[count];
            int i = 0, p = at;
            for (int q = at; q < body; q++) {
                if (file[q] != '\n') continue;
                if (i == count || q - p < 2) throw ChirpException.corrupt("entry names do not match its count");
                types[i] = (char) (file[p] & 0xff);
                names[i++] = new String(file, p + 1, q - p - 1, StandardCharsets.ISO_8859_1);
                p = q + 1;
            }
            if (i != count || p != body) throw ChirpException.corrupt("entry names do not match its count");
            KallsymsLayout l = new KallsymsLayout(KallsymsLayout.Variant.values()[variant], v[0], v[1], v[2], v[3], v[4],
                    markerSize, v[5], v[6], v[7], count, 0, absolute);
            return new Entry(banner, bannerOff, l, kt, btfOff, btfSize, bt, names, types);
        }

        private static void writeString(DataOutputStream o, String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            o.writeShort(b.length);
            o.write(b);
        }

        private static String readString(DataInputStream in) throws IOException {
            int n = in.readUnsignedShort();
            byte[] b = in.readNBytes(n);
            if (b.length != n) throw ChirpException.corrupt("entry truncated");
            return new String(b, StandardCharsets.ISO_8859_1);
        }
    }
}
