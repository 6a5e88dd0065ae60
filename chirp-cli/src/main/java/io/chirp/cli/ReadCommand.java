package io.chirp.cli;

import io.chirp.core.ChirpException;
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
import java.util.concurrent.Callable;

/** {@code chirp read}: a hex dump of guest memory, physical or virtual; unreadable bytes show as ??. */
@Command(name = "read", description = "Hex-dump guest memory.")
final class ReadCommand implements Callable<Integer> {
    static final class Kind {
        @Option(names = "--phys", description = "ADDR is guest-physical") boolean phys;
        @Option(names = "--virt", description = "ADDR is guest-virtual (vCPU 0's CR3 unless --cr3)") boolean virt;
    }

    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @ArgGroup(exclusive = true, multiplicity = "1") Kind kind;
    @Option(names = "--cr3", description = "page-table root for --virt") String cr3;
    @Parameters(index = "0", paramLabel = "ADDR") String address;
    @Parameters(index = "1", paramLabel = "LEN", defaultValue = "256") String length;
    @Spec CommandSpec spec;

    private static final long MAX = 64L << 20;

    @Override public Integer call() {
        long addr = Addresses.parse(address);
        long len = Addresses.parse(length);
        if (len <= 0 || len > MAX) throw ChirpException.usage("LEN must be between 1 and " + MAX);
        PrintWriter out = spec.commandLine().getOut();
        try (Target t = target.open()) {
            if (kind.phys) {
                byte[] data = t.memory().readBytes(addr, (int) len);
                HexDump.print(out, addr, data, null);
                return 0;
            }
            MappedBytes mb = Addresses.space(t, cr3).readMapped(new VirtAddr(addr), (int) len);
            boolean[] missing = new boolean[(int) len];
            for (MappedBytes.Hole h : mb.holes()) {
                long from = h.start().value() - addr;
                for (long i = from; i < from + h.length() && i < len; i++) missing[(int) i] = true;
            }
            HexDump.print(out, addr, mb.bytes(), missing);
            for (MappedBytes.Hole h : mb.holes()) {
                spec.commandLine().getErr().printf("hole: 0x%x +0x%x: %s%n", h.start().value(), h.length(), h.reason());
            }
            return mb.complete() ? 0 : 1;
        }
    }
}
