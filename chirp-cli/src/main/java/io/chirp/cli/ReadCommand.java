package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.VirtAddr;
import io.chirp.hypervisor.Target;
import io.chirp.paging.MappedBytes;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code chirp read}: a hex dump of guest memory, physical or virtual. Bytes that cannot be read (not backed by
 * RAM, or not mapped) show as {@code ??}, are listed on stderr, and make the exit code {@link ExitCode#PARTIAL}.
 */
@Command(name = "read", mixinStandardHelpOptions = true, description = {"Hex-dump guest memory.",
        "Unreadable bytes show as ?? and are listed on stderr (exit code 4)."})
final class ReadCommand implements Callable<Integer> {
    static final class Kind {
        @Option(names = "--phys", description = "ADDR is guest-physical") boolean phys;
        @Option(names = "--virt", description = "ADDR is guest-virtual (vCPU 0's CR3 unless --cr3)") boolean virt;
    }

    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @ArgGroup(exclusive = true, multiplicity = "1") Kind kind;
    @Option(names = "--cr3", description = "page-table root for --virt") String cr3;
    @Parameters(index = "0", paramLabel = "ADDR", description = "first address (0x... hex, or decimal)") String address;
    @Parameters(index = "1", paramLabel = "LEN", defaultValue = "256", description = "bytes to dump (default: ${DEFAULT-VALUE}, at most 64 MiB)")
    String length;
    @Spec CommandSpec spec;

    private static final long MAX = 64L << 20;

    /** A run of bytes that could not be read, and why. */
    record Hole(long start, long length, String reason) {}

    @Override public Integer call() {
        long addr = Addresses.parse(address);
        long len = Addresses.parse(length);
        if (len <= 0 || len > MAX) throw ChirpException.usage("LEN must be between 1 and " + MAX);
        if (Long.compareUnsigned(addr + len, addr) <= 0) throw ChirpException.usage("ADDR + LEN is past the end of the address space");
        PrintWriter out = spec.commandLine().getOut();
        try (Target t = target.open()) {
            byte[] data;
            List<Hole> holes;
            if (kind.phys) {
                data = new byte[(int) len];
                holes = readPhysical(t.memory(), addr, data);
            } else {
                MappedBytes mb = Addresses.space(t, cr3).readMapped(new VirtAddr(addr), (int) len);
                data = mb.bytes();
                holes = mb.holes().stream().map(h -> new Hole(h.start().value(), h.length(), h.reason())).toList();
            }
            boolean[] missing = new boolean[(int) len];
            for (Hole h : holes) {
                long from = h.start() - addr;
                for (long i = Math.max(0, from); i < from + h.length() && i < len; i++) missing[(int) i] = true;
            }
            HexDump.print(out, addr, data, missing);
            PrintWriter err = spec.commandLine().getErr();
            for (Hole h : holes) err.printf("hole: 0x%x +0x%x: %s%n", h.start(), h.length(), Table.escape(h.reason()));
            err.flush();
            return ExitCode.okOrPartial(holes.isEmpty());
        }
    }

    /**
     * Reads what is backed of [addr, addr + data.length) into {@code data}, range by range of the source's memory
     * map; {@return the runs that no range backs} (past the end of RAM, in an MMIO gap, or unreadable).
     */
    static List<Hole> readPhysical(PhysicalMemory mem, long addr, byte[] data) {
        List<Hole> holes = new ArrayList<>();
        long end = addr + data.length;
        long cur = addr;
        for (MemoryRange r : mem.ranges()) {
            if (Long.compareUnsigned(r.end(), cur) <= 0) continue;
            if (Long.compareUnsigned(r.start(), end) >= 0) break;
            long from = Long.compareUnsigned(r.start(), cur) > 0 ? r.start() : cur;
            long to = Long.compareUnsigned(r.end(), end) < 0 ? r.end() : end;
            if (from != cur) holes.add(new Hole(cur, from - cur, "not backed by guest RAM"));
            try {
                mem.read(from, MemorySegment.ofArray(data), from - addr, to - from);
            } catch (ChirpException e) {
                holes.add(new Hole(from, to - from, e.getMessage()));
            }
            cur = to;
        }
        if (cur != end) holes.add(new Hole(cur, end - cur, "not backed by guest RAM"));
        return holes;
    }
}
