package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.core.ChirpException;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.scan.MemoryScan;
import io.chirp.linux.scan.Yara;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code chirp linux yara}: YARA rules (compiled once by libyara) over process memory or kernel module memory
 * (Volatility's yarascan). Exit code 5 when a rule matched, 4 when a region could not be scanned whole.
 */
@Command(name = "yara", mixinStandardHelpOptions = true,
        description = {"Scan process memory (every process, or --pid) or kernel modules (--kernel) with YARA rules (libyara).",
                "Exit code 5 when a rule matched; 4 when part of the memory could not be scanned whole."})
public final class YaraCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--rules", required = true, paramLabel = "FILE", description = "YARA rules source file") Path rulesFile;
    @Option(names = "--pid", paramLabel = "N", description = "only this process") Integer pid;
    @Option(names = "--kernel", description = "scan kernel module memory instead of processes") boolean kernel;
    @Option(names = "--timeout", defaultValue = "10", paramLabel = "SECONDS", description = "libyara timeout per region (default 10)")
    int timeout;
    @Option(names = "--max-matches", defaultValue = "1000", paramLabel = "N", description = "most matches reported per region (default 1000)")
    int maxMatches;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        if (kernel && pid != null) throw ChirpException.usage("--pid and --kernel exclude each other");
        String source;
        try {
            if (Files.size(rulesFile) > Yara.MAX_RULES_BYTES) throw ChirpException.usage(rulesFile + " is larger than " + Yara.MAX_RULES_BYTES + " bytes");
            source = Files.readString(rulesFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ChirpException.notFound("cannot read " + rulesFile + ": " + e.getMessage());
        }
        List<MemoryScan.Hit> hits = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (Yara y = Yara.compile(source, timeout, maxMatches); LinuxSession s = LinuxSession.open(target)) {
            MemoryScan scan = new MemoryScan(s.kernel(), y);
            if (kernel) {
                MemoryScan.Result r = scan.modules();
                hits.addAll(r.hits());
                problems.addAll(r.problems());
            } else {
                Processes.Listing l = new Processes(s.kernel()).list(false, false);
                if (!l.walk().complete()) problems.add("task list: " + l.walk().problem());
                boolean found = false;
                for (LinuxProcess p : l.processes()) {
                    if (p.kernelThread() || p.mm() == 0 || (pid != null && p.tgid() != pid)) continue;
                    found = true;
                    try {
                        MemoryScan.Result r = scan.process(p);
                        hits.addAll(r.hits());
                        r.problems().forEach(x -> problems.add("pid " + p.pid() + ": " + x));
                    } catch (ChirpException e) {
                        problems.add("pid " + p.pid() + ": " + e.getMessage());
                    }
                }
                if (pid != null && !found) throw ChirpException.notFound("no user process " + pid);
            }
        }
        Table t = new Table("pid", "comm", "region", "address", "rule", "string");
        for (MemoryScan.Hit h : hits) t.row(h.pid(), h.comm(), h.region(), "0x" + Long.toHexString(h.address()), h.rule(), h.string());
        t.print(spec.commandLine().getOut(), format);
        boolean partial = io.chirp.cli.Table.warn(spec, problems);
        if (!hits.isEmpty()) return ExitCode.FINDINGS.code();
        return ExitCode.okOrPartial(!partial);
    }
}
