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

    /** The slow path: each read becomes memoryPeek calls; the ranges are the layout's, checked before asking. */
    private static final class Peek implements PhysicalMemory {
        private final LibvirtDomain domain;
        private final List<MemoryRange> ranges;
        private final String name;

        Peek(LibvirtDomain domain, List<Segment> segments) {
            this.domain = domain;
            this.ranges = segments.stream().map(s -> new MemoryRange(s.gpa(), s.gpaEnd(), s.name())).toList();
            this.name = domain.name();
        }

        @Override public String describe() { return "libvirt domain " + name + ": virDomainMemoryPeek (live, 64 KiB per call)"; }

        @Override public List<MemoryRange> ranges() { return ranges; }

        @Override public boolean isLive() { return true; }

        @Override
        public void read(long pa, MemorySegment dst, long dstOffset, long length) {
            if (!isBacked(pa, length)) throw new UnmappedException(pa, false, "not RAM of libvirt domain " + name);
            domain.memoryPeek(pa, dst, dstOffset, length);
        }

        @Override public void close() { /* the domain handle is the caller's */ }
    }
}
