package io.chirp.linux.carve;

import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Walk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The pages of one SLUB cache, found from the struct page array rather than from the cache's own lists: the lists
 * say which slabs are partial or full at best, and a rootkit can edit them; every slab page names its cache in
 * {@code slab->slab_cache}, whatever list it is on. The vmemmap is read in blocks of 64 struct pages, so a 512 MiB
 * guest costs about two thousand reads.
 */
public final class Slabs {
    /** Slabs of one cache kept at most: far more than a guest has (a slab holds several objects). */
    public static final int MAX_SLABS = 1 << 20;
    /** Caches on {@code slab_caches} visited at most. */
    static final int MAX_CACHES = 1 << 14;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int PAGE = 4096;
    private static final int BLOCK = 64;
    /** The largest slab order SLUB uses (PAGE_ALLOC_COSTLY_ORDER is 3; MAX_ORDER bounds it anyway). */
    private static final int MAX_ORDER = 10;

    /**
     * A slab cache as its {@code struct kmem_cache} describes it.
     *
     * @param name           its name ("task_struct", "TCP", ...)
     * @param address        the struct kmem_cache
     * @param objectSize     the object's own size
     * @param size           the stride between objects (object, metadata and alignment)
     * @param objectsPerSlab objects in one slab of the cache's usual order
     * @param order          pages per slab as a power of two
     * @param redLeftPad     bytes before each object when red zoning is on (0 otherwise)
     */
    public record Cache(String name, long address, int objectSize, int size, int objectsPerSlab, int order, int redLeftPad) {}

    /**
     * A slab: one (compound) page holding objects of a cache.
     *
     * @param page struct page (or struct slab) of its head page
     * @param pfn  its first page frame
     */
    public record Slab(long page, long pfn) {
        /** {@return its physical address} */
        public long physical() { return pfn * PAGE; }
    }

    /**
     * The slabs found.
     *
     * @param slabs       slab head pages of the cache
     * @param pagesRead   struct pages examined
     * @param complete    false when parts of the struct page array were unreadable or the cap was reached
     * @param problem     why it is partial ("" when complete)
     */
    public record Scan(Cache cache, List<Slab> slabs, long pagesRead, boolean complete, String problem) {
        public Scan { slabs = List.copyOf(slabs); }
    }

    private final LinuxKernel k;
    private final KernelReader r;
    private final long pageSize, slabCache, compoundHead, cacheList, cacheName, cacheSize, cacheObjectSize, cacheOo,
            redLeftPad;

    public Slabs(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        Layout l = k.layout();
        pageSize = l.size("page");
        // Linux 5.17 moved the slab fields from struct page into struct slab, which overlays it.
        slabCache = l.hasStruct("slab") && l.find("slab", "slab_cache").isPresent() ? l.offset("slab", "slab_cache")
                : l.find("page", "slab_cache").orElseThrow(() -> ChirpException.unavailable(
                        "this kernel's struct page/slab has no slab_cache (not SLUB?): slab carving unavailable"));
        compoundHead = l.find("page", "compound_head").orElse(8);
        cacheList = l.offset("kmem_cache", "list");
        cacheName = l.offset("kmem_cache", "name");
        cacheSize = l.offset("kmem_cache", "size");
        cacheObjectSize = l.offset("kmem_cache", "object_size");
        cacheOo = l.find("kmem_cache", "oo").orElseThrow(() -> ChirpException.unavailable(
                "this kernel's kmem_cache has no oo (SLAB, not SLUB): slab carving unavailable"));
        redLeftPad = l.find("kmem_cache", "red_left_pad").orElse(-1);
    }

    /** {@return the cache of that name, from the kernel's {@code slab_caches} list} */
    public Optional<Cache> cache(String name) {
        Walk w = Walk.listHead(r, k.symbol("slab_caches"), cacheList, MAX_CACHES);
        for (long c : w.items()) {
            try {
                if (!name.equals(r.cstring(r.u64(c + cacheName), 64))) continue;
                int size = r.u32(c + cacheSize), objectSize = r.u32(c + cacheObjectSize), oo = r.u32(c + cacheOo);
                int pad = redLeftPad >= 0 ? r.u32(c + redLeftPad) : 0;
                int order = oo >>> 16, objects = oo & 0xffff;
                if (size <= 0 || objectSize <= 0 || objectSize > size || order > MAX_ORDER || objects <= 0
                        || pad < 0 || (long) objects * size + pad > ((long) PAGE << order)) {
                    throw ChirpException.corrupt("kmem_cache " + name + " at 0x" + Long.toHexString(c)
                            + " has an impossible geometry (size " + size + ", order " + order + ", objects " + objects + ")");
                }
                return Optional.of(new Cache(name, c, objectSize, size, objects, order, pad));
            } catch (ChirpException e) {
                if (e.kind() == ChirpException.Kind.CORRUPT) throw e;
                // an unreadable cache on the list: not the one asked for, or not provably
            }
        }
        return Optional.empty();
    }

    /** {@return every slab of {@code cache}: the head pages in the struct page array that name it} */
    public Scan slabs(Cache cache) {
        long vmemmap = k.info().vmemmapBase();
        List<Slab> out = new ArrayList<>();
        long pages = 0, unreadable = 0;
        String capped = "";
        for (MemoryRange range : k.memory().ranges()) {
            long first = range.start() / PAGE, end = (range.end() + PAGE - 1) / PAGE;
            for (long pfn = first; pfn < end && capped.isEmpty(); pfn += BLOCK) {
                int n = (int) Math.min(BLOCK, end - pfn);
                byte[] block;
                try {
                    block = r.bytes(vmemmap + pfn * pageSize, (int) (n * pageSize));
                } catch (ChirpException e) {
                    unreadable += n;
                    continue;
                }
                MemorySegment s = MemorySegment.ofArray(block);
                for (int i = 0; i < n; i++) {
                    pages++;
                    long base = i * pageSize;
                    if ((s.get(U64, base + compoundHead) & 1) != 0) continue; // a tail page: its head names the cache
                    if (s.get(U64, base + slabCache) != cache.address()) continue;
                    out.add(new Slab(vmemmap + (pfn + i) * pageSize, pfn + i));
                    if (out.size() >= MAX_SLABS) {
                        capped = "stopped at " + MAX_SLABS + " slabs";
                        break;
                    }
                }
            }
        }
        String problem = unreadable == 0 ? capped : join(unreadable + " struct pages unreadable", capped);
        return new Scan(cache, out, pages, problem.isEmpty(), problem);
    }

    /**
     * {@return the object slots of a slab: their direct-map addresses} Each slot holds a live object, a freed one not
     * yet reused, or one never used; telling them apart is the caller's job.
     */
    public List<Long> slots(Cache cache, Slab slab) {
        long base = k.info().pageOffsetBase() + slab.physical();
        List<Long> out = new ArrayList<>(cache.objectsPerSlab());
        for (int i = 0; i < cache.objectsPerSlab(); i++) out.add(base + cache.redLeftPad() + (long) i * cache.size());
        return out;
    }

    /** An object slot of a slab read in one piece: the slab's bytes, the slot's offset in them, its address. */
    @FunctionalInterface
    public interface SlotVisitor {
        void visit(MemorySegment slab, long offset, long address);
    }

    /**
     * {@return how many slots were visited and slabs could not be read} Visits every object slot of the scanned
     * slabs, each slab read once; a slot that would run past its slab's bytes ends that slab.
     */
    public Visited objects(Cache cache, List<Slab> slabs, SlotVisitor visitor) {
        long slots = 0;
        int unreadable = 0;
        for (Slab s : slabs) {
            byte[] bytes;
            try {
                bytes = read(cache, s);
            } catch (ChirpException e) {
                unreadable++;
                continue;
            }
            MemorySegment seg = MemorySegment.ofArray(bytes);
            long base = k.info().pageOffsetBase() + s.physical();
            for (long a : slots(cache, s)) {
                long off = a - base;
                if (off + cache.objectSize() > bytes.length) break;
                slots++;
                visitor.visit(seg, off, a);
            }
        }
        return new Visited(slots, unreadable);
    }

    /** What {@link #objects} went through. */
    public record Visited(long slots, int unreadable) {}

    /** {@return the bytes of a whole slab, read from physical memory at once} */
    public byte[] read(Cache cache, Slab slab) {
        return k.memory().readBytes(slab.physical(), PAGE << cache.order());
    }

    private static String join(String a, String b) { return b.isEmpty() ? a : a + "; " + b; }
}
