package io.chirp.libvirt;

import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.UnmappedException;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.RamLayout;
import io.chirp.memory.Segment;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.util.List;

/**
 * A libvirt domain's guest-physical memory: its shared RAM file mapped read-only (zero copy) when libvirt gave it
 * {@code <memoryBacking><source type='file'/><access mode='shared'/>}, otherwise {@code virDomainMemoryPeek} in
 * 64 KiB calls. Either way the guest-physical layout comes from QEMU ({@code info mtree -f} through libvirt's monitor
 * passthrough), never from assuming file offset == address.
 */
public final class DomainMemory {
    private DomainMemory() {}

    /** {@return the mapped RAM file if there is one CHIRP can read, else the memoryPeek path} */
    public static PhysicalMemory open(LibvirtDomain d) { return attach(d).memory(); }

    /** How a domain's memory was opened: the memory, its layout, and which path ({@code ram_file}, {@code memory_peek}). */
    public record Opened(PhysicalMemory memory, RamLayout layout, String path) {}

    /** {@return the mapped RAM file if there is one CHIRP can read, else the memoryPeek path, with its layout} */
    public static Opened attach(LibvirtDomain d) {
        String mtree = d.hmp("info mtree -f");
        List<RamBackend> backends = d.ramBackends();
        for (RamBackend b : backends) {
            if (!b.mappable() || !Files.isReadable(b.memPath())) continue;
            RamLayout layout = layoutOrNull(mtree, b.id());
            if (layout != null) return new Opened(mapped(d, b, layout), layout, "ram_file");
        }
        RamLayout layout = mainLayout(backends, mtree);
        return new Opened(peek(d, layout), layout, "memory_peek");
    }

    /** Maps {@code backend}'s file read-only with the layout QEMU reports for it. */
    public static MappedFileMemory mapped(LibvirtDomain d, RamBackend backend, RamLayout layout) {
        if (!backend.mappable()) {
            throw ChirpException.unavailable("memory backend " + backend.id() + " of " + d.name()
                    + " is not a shared file (add <memoryBacking><source type='file'/><access mode='shared'/>)");
        }
        return MappedFileMemory.open(backend.memPath(), layout.segments(), true,
                "libvirt domain " + d.name() + ": shared RAM file " + backend.memPath() + " (live, zero-copy)");
    }

    /** {@return guest-physical memory read with virDomainMemoryPeek over {@code layout}'s ranges} */
    public static PhysicalMemory peek(LibvirtDomain d, RamLayout layout) { return new Peek(d, layout.segments()); }

    /** {@return the layout of the first memory backend {@code info mtree -f} shows RAM for} */
    public static RamLayout mainLayout(LibvirtDomain d, String mtree) { return mainLayout(d.ramBackends(), mtree); }

    private static RamLayout mainLayout(List<RamBackend> backends, String mtree) {
        for (RamBackend b : backends) {
            RamLayout l = layoutOrNull(mtree, b.id());
            if (l != null) return l;
        }
        return RamLayout.parse(mtree); // QEMU's own default id, or a clear CORRUPT error naming it
    }

    private static RamLayout layoutOrNull(String mtree, String backend) {
        try {
            return RamLayout.parse(mtree, backend);
        } catch (ChirpException e) {
            return null;
        }
    }

    /**
     * The slow path: reads become {@code virDomainMemoryPeek} calls of up to 64 KiB. A walk of kernel lists reads a
     * few bytes at a time, and each peek is a round trip through libvirtd and a QEMU {@code pmemsave}: so small reads
     * are batched into whole 64 KiB blocks, kept for {@value #TTL_MS} ms at most (live memory: a block is never
     * trusted for longer than a peek takes to come back a few times), and at most {@value #BLOCKS} of them.
     */
    static final class Peek implements PhysicalMemory {
        static final int BLOCK = Native.PEEK_MAX;
        static final long TTL_MS = 250;
        static final int BLOCKS = 64;
        private final LibvirtDomain domain;
        private final List<MemoryRange> ranges;
        private final String name;
        private final java.util.LinkedHashMap<Long, Block> cache = new java.util.LinkedHashMap<>(BLOCKS * 2, 0.75f, true);
        private long peeks;

        /** A cached piece of RAM: guest-physical [start, start + data.length), read at {@code at} (nanoTime). */
        private record Block(long start, byte[] data, long at) {}

        Peek(LibvirtDomain domain, List<Segment> segments) {
            this.domain = domain;
            this.ranges = segments.stream().map(s -> new MemoryRange(s.gpa(), s.gpaEnd(), s.name())).toList();
            this.name = domain.name();
        }

        @Override public String describe() { return "libvirt domain " + name + ": virDomainMemoryPeek (live, 64 KiB per call)"; }

        @Override public List<MemoryRange> ranges() { return ranges; }

        @Override public boolean isLive() { return true; }

        /** {@return how many peeks this memory has made (for benchmarks and tests of the batching)} */
        synchronized long peeks() { return peeks; }

        @Override
        public void read(long pa, MemorySegment dst, long dstOffset, long length) {
            if (!isBacked(pa, length)) throw new UnmappedException(pa, false, "not RAM of libvirt domain " + name);
            if (length >= BLOCK) {
                // large reads are already whole peeks
                domain.memoryPeek(pa, dst, dstOffset, length);
                synchronized (this) {
                    peeks += (length + BLOCK - 1) / BLOCK;
                }
                return;
            }
            long done = 0;
            while (done < length) {
                long at = pa + done;
                Block b = block(at);
                long n = Math.min(length - done, b.start() + b.data().length - at);
                MemorySegment.copy(MemorySegment.ofArray(b.data()), at - b.start(), dst, dstOffset + done, n);
                done += n;
            }
        }

        /** {@return a fresh block holding {@code pa}: its 64 KiB-aligned block, clipped to the RAM range of {@code pa}} */
        private synchronized Block block(long pa) {
            long aligned = pa & -(long) BLOCK;
            Block b = cache.get(aligned);
            long now = System.nanoTime();
            if (b != null && now - b.at() <= TTL_MS * 1_000_000L && pa >= b.start() && pa < b.start() + b.data().length) {
                return b;
            }
            MemoryRange r = ranges.stream().filter(x -> x.contains(pa)).findFirst()
                    .orElseThrow(() -> new UnmappedException(pa, false, "not RAM of libvirt domain " + name));
            long start = Math.max(aligned, r.start());
            long end = Math.min(aligned + BLOCK, r.end());
            byte[] data = new byte[(int) (end - start)];
            domain.memoryPeek(start, MemorySegment.ofArray(data), 0, data.length);
            peeks++;
            b = new Block(start, data, System.nanoTime());
            cache.put(aligned, b);
            if (cache.size() > BLOCKS) cache.pollFirstEntry();
            return b;
        }

        @Override public void close() {
            synchronized (this) {
                cache.clear();
            }
            // the domain handle is the caller's
        }
    }
}
