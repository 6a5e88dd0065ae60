package io.chirp.cli;

import io.chirp.hypervisor.Target;
import io.chirp.tables.MemoryViews;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
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

    @Override public Integer call() {
        long addr = MemoryViews.parse(address);
        long len = MemoryViews.parse(length);
        PrintWriter out = spec.commandLine().getOut();
        try (Target t = target.open()) {
            MemoryViews.Read r = MemoryViews.read(t, kind.phys ? null : MemoryViews.space(t, cr3), addr, len);
            byte[] data = r.data();
            boolean[] missing = new boolean[data.length];
            for (MemoryViews.Hole h : r.holes()) {
                long from = h.start() - addr;
                for (long i = Math.max(0, from); i < from + h.length() && i < data.length; i++) missing[(int) i] = true;
            }
            HexDump.print(out, addr, data, missing);
            PrintWriter err = spec.commandLine().getErr();
            for (MemoryViews.Hole h : r.holes()) err.printf("hole: 0x%x +0x%x: %s%n", h.start(), h.length(), Table.escape(h.reason()));
            err.flush();
            return ExitCode.okOrPartial(r.holes().isEmpty());
        }
    }
}
