package io.chirp.paging;

import io.chirp.core.ChirpException;
import io.chirp.core.PhysAddr;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.UnmappedException;
import io.chirp.core.VirtAddr;
import io.chirp.paging.TranslationResult.Fault;
import io.chirp.paging.TranslationResult.Mapped;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A guest-virtual address space: a page-table root in a {@link PhysicalMemory}, walked in one
 * {@link PagingMode}. Reads are written once on top of translation (Volatility's layer idea): {@link #read}
 * fails on the first hole, {@link #readMapped} zero-fills holes and reports them.
 *
 * <p>Translations are cached per 4 KiB page for a short time and per epoch, because over a live guest the
 * tables change; call {@link #invalidate()} when you know they did (after resuming the VM).
 */
public final class AddressSpace {
    /** Default time-to-live of cached translations: long enough for one walk of a kernel list, short enough for live use. */
    public static final Duration DEFAULT_TTL = Duration.ofMillis(500);
    public static final int DEFAULT_CACHE_PAGES = 8192;
    /** The largest single read; bigger ones are a caller bug or a hostile length. */
    public static final int MAX_READ = 256 << 20;

    private final PhysicalMemory memory;
    private final PagingMode mode;
    private final long root;
    private final long highRoot;
    private final PageWalker walker;
    private final TranslationCache cache;

    private AddressSpace(PhysicalMemory memory, PagingMode mode, long root, long highRoot, TranslationCache cache) {
        this.memory = memory;
        this.mode = mode;
        this.root = root;
        this.highRoot = highRoot;
        this.walker = new PageWalker(memory, mode);
        this.cache = cache;
    }

    /** {@return an address space rooted at the table at {@code root}, with the default cache} */
    public static AddressSpace of(PhysicalMemory memory, PagingMode mode, PhysAddr root) {
        return of(memory, mode, root, DEFAULT_CACHE_PAGES, DEFAULT_TTL);
    }

    /**
     * {@return an address space with an explicit cache} {@code cachePages} 0 or {@code ttl} zero disables caching.
     */
    public static AddressSpace of(PhysicalMemory memory, PagingMode mode, PhysAddr root, int cachePages, Duration ttl) {
        return new AddressSpace(memory, mode, root.value(), root.value(),
                new TranslationCache(cachePages, ttl, System::nanoTime));
    }

    /**
     * {@return an AArch64-style address space with one table per half} {@code low} (TTBR0) maps addresses with
     * the top bit clear (user), {@code high} (TTBR1) those with it set (kernel). The mode must split its roots.
     */
    public static AddressSpace ofHalves(PhysicalMemory memory, PagingMode mode, PhysAddr low, PhysAddr high) {
        if (!mode.splitRoots()) throw new IllegalArgumentException(mode + " has one root, not two halves");
        return new AddressSpace(memory, mode, low.value(), high.value(),
                new TranslationCache(DEFAULT_CACHE_PAGES, DEFAULT_TTL, System::nanoTime));
    }

    /** For tests: a cache driven by a fake clock. */
    static AddressSpace withClock(PhysicalMemory memory, PagingMode mode, PhysAddr root, Duration ttl,
                                  LongSupplier clock) {
        return new AddressSpace(memory, mode, root.value(), root.value(),
                new TranslationCache(DEFAULT_CACHE_PAGES, ttl, clock));
    }

    public PhysicalMemory memory() { return memory; }

    public PagingMode mode() { return mode; }

    /** {@return the table root: CR3's on x86, TTBR0's (lower half) on AArch64} */
    public PhysAddr root() { return new PhysAddr(root); }

    /** {@return TTBR1's table on AArch64 (upper half); the same as {@link #root()} on x86} */
    public PhysAddr highRoot() { return new PhysAddr(highRoot); }

    /** {@return the translation of {@code va}: a mapped page or a fault naming the level that failed} */
    public TranslationResult translate(VirtAddr va) {
        Mapped hit = cache.get(va.value());
        if (hit != null) return hit;
        TranslationResult r = walker.walk(root, highRoot, va.value());
        if (r instanceof Mapped m) cache.put(m);
        return r;
    }

    /**
     * Translates many addresses at once, one level at a time, reading each table page once per level.
     * {@return one result per input, in order; a fault for one address does not affect the others}
     */
    public List<TranslationResult> translateAll(List<VirtAddr> vas) {
        long[] raw = vas.stream().mapToLong(VirtAddr::value).toArray();
        TranslationResult[] out = new TranslationResult[raw.length];
        long[] misses = new long[raw.length];
        int[] missIndex = new int[raw.length];
        int n = 0;
        for (int i = 0; i < raw.length; i++) {
            Mapped hit = cache.get(raw[i]);
            if (hit != null) out[i] = hit;
            else { misses[n] = raw[i]; missIndex[n++] = i; }
        }
        TranslationResult[] walked = walker.walkAll(root, highRoot, Arrays.copyOf(misses, n));
        for (int j = 0; j < n; j++) {
            out[missIndex[j]] = walked[j];
            if (walked[j] instanceof Mapped m) cache.put(m);
        }
        return List.of(out);
    }

    /** {@return the physical address of {@code va}} @throws UnmappedException (virtual) if it is not mapped */
    public PhysAddr physical(VirtAddr va) {
        return switch (translate(va)) {
            case Mapped m -> m.pa();
            case Fault f -> throw new UnmappedException(va.value(), true, f.describe());
        };
    }

    /**
     * Reads {@code length} bytes at {@code va}, crossing pages as needed.
     *
     * @throws UnmappedException (virtual) at the first address that is not mapped or maps to no memory
     */
    public byte[] read(VirtAddr va, int length) {
        checkLength(length);
        byte[] out = new byte[length];
        read(va, MemorySegment.ofArray(out), 0, length);
        return out;
    }

    /** Reads into {@code dst}; same contract as {@link #read(VirtAddr, int)}. */
    public void read(VirtAddr va, MemorySegment dst, long dstOffset, long length) {
        checkRange(va, length);
        long done = 0;
        while (done < length) {
            long cur = va.value() + done;
            Mapped m = switch (translate(new VirtAddr(cur))) {
                case Mapped ok -> ok;
                case Fault f -> throw new UnmappedException(cur, true, f.describe());
            };
            long n = Math.min(length - done, m.pageSize() - (cur & (m.pageSize() - 1)));
            try {
                memory.read(m.pa().value(), dst, dstOffset + done, n);
            } catch (UnmappedException e) {
                throw new UnmappedException(cur, true, "maps to physical 0x" + Long.toHexString(e.address())
                        + ", which no memory backs");
            }
            done += n;
        }
    }

    /** {@return the little-endian 64-bit value at {@code va}} @throws UnmappedException if unmapped */
    public long readLong(VirtAddr va) {
        if ((va.value() & 0xfff) > 0xff8) return MemorySegment.ofArray(read(va, 8)).get(PhysicalMemory.LONG, 0);
        long pa = physical(va).value(); // within one page: one translation, one typed read
        try {
            return memory.readLong(pa);
        } catch (UnmappedException e) {
            throw new UnmappedException(va.value(), true, "maps to physical 0x" + Long.toHexString(pa)
                    + ", which no memory backs");
        }
    }

    /**
     * Reads {@code length} bytes at {@code va} without failing on holes: unmapped or unbacked pages are zero-filled
     * and listed in the result.
     */
    public MappedBytes readMapped(VirtAddr va, int length) {
        checkLength(length);
        checkRange(va, length);
        byte[] out = new byte[length];
        MemorySegment dst = MemorySegment.ofArray(out);
        List<MappedBytes.Hole> holes = new ArrayList<>();
        long done = 0;
        while (done < length) {
            long cur = va.value() + done;
            TranslationResult r = translate(new VirtAddr(cur));
            long span = r instanceof Mapped m ? m.pageSize() : 4096;
            long n = Math.min(length - done, span - (cur & (span - 1)));
            String reason = null;
            if (r instanceof Mapped m) {
                try {
                    memory.read(m.pa().value(), dst, done, n);
                } catch (UnmappedException e) {
                    reason = "maps to physical 0x" + Long.toHexString(m.pa().value()) + ", which no memory backs";
                }
            } else if (r instanceof Fault f) {
                reason = f.describe();
            }
            if (reason != null) addHole(holes, cur, n, reason);
            done += n;
        }
        return new MappedBytes(va, out, holes);
    }

    /** Starts a new cache epoch: nothing translated before is reused. */
    public void invalidate() { cache.invalidate(); }

    /** {@return the current cache epoch, incremented by each {@link #invalidate()}} */
    public long epoch() { return cache.epoch(); }

    private static void addHole(List<MappedBytes.Hole> holes, long start, long n, String reason) {
        if (!holes.isEmpty()) {
            MappedBytes.Hole last = holes.getLast();
            if (last.start().value() + last.length() == start) {
                holes.set(holes.size() - 1, new MappedBytes.Hole(last.start(), last.length() + n, last.reason()));
                return;
            }
        }
        holes.add(new MappedBytes.Hole(new VirtAddr(start), n, reason));
    }

    /** A read must not wrap past the top of the address space into address 0. */
    private static void checkRange(VirtAddr va, long length) {
        if (length < 0 || (length > 0 && Long.compareUnsigned(va.value() + length - 1, va.value()) < 0)) {
            throw ChirpException.usage("read of " + length + " bytes at " + va + " wraps around the address space");
        }
    }

    private static void checkLength(int length) {
        if (length < 0 || length > MAX_READ) {
            throw ChirpException.usage("read length " + length + " outside 0.." + MAX_READ);
        }
    }

    @Override
    public String toString() {
        String roots = root == highRoot ? "root 0x" + Long.toHexString(root)
                : "roots 0x" + Long.toHexString(root) + "/0x" + Long.toHexString(highRoot);
        return mode + " address space at " + roots + " over " + memory.describe();
    }
}
