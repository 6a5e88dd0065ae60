package io.chirp.cli.linux;

import io.chirp.tables.SymbolExport;
import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.core.ChirpException;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.mm.MemoryMap;
import io.chirp.linux.mm.ProcessCore;
import io.chirp.paging.AddressSpace;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code chirp linux procdump}: one process's memory as an ELF core (gdb, readelf), and with {@code --exe} its
 * executable and libraries rebuilt from their file-backed mappings (Volatility's linux.elfs / procdump). Every file
 * goes through the evidence writer; pages that were not resident are zeros, listed in the manifest, exit code 4.
 */
@Command(name = "procdump", mixinStandardHelpOptions = true,
        description = {"Dump a process's memory as an ELF core; with --exe also rebuild its mapped executable and libraries.",
                "Pages not resident in RAM are written as zeros and listed in each manifest (exit code 4)."})
public final class ProcDumpCommand implements Callable<Integer> {
    private static final int PAGE = 4096;
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--pid", required = true, paramLabel = "N", description = "the process id") int pid;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "evidence folder (created 0700)") Path dir;
    @Option(names = "--exe", description = "also rebuild each mapped file (executable, libraries) from its VMAs") boolean exe;
    @Option(names = "--max-size", paramLabel = "BYTES", defaultValue = "4294967296",
            description = "most bytes of memory written into the core (default 4 GiB); VMAs past it are left out and listed")
    long maxSize;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        if (maxSize <= 0) throw ChirpException.usage("--max-size must be positive");
        PrintWriter out = spec.commandLine().getOut();
        List<String> warnings = new ArrayList<>();
        try (LinuxSession s = LinuxSession.open(target)) {
            Processes ps = new Processes(s.kernel());
            LinuxProcess p = ps.list(false, true).processes().stream().filter(x -> x.tgid() == pid && x.isLeader())
                    .findFirst().orElseThrow(() -> ChirpException.notFound("no process " + pid));
            ProcessCore core = new ProcessCore(s.kernel());
            Path file = dir.resolve("pid-" + pid + ".core");
            ProcessCore.Result res;
            try (EvidenceWriter w = EvidenceWriter.create(file)) {
                res = core.write(p, maxSize, w::write);
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("pid", pid);
                details.put("comm", p.comm());
                details.put("vmas", res.regions().size());
                details.put("threads_with_registers", res.threads());
                details.put("non_resident_pages", res.nonResidentPages());
                List<String> notes = new ArrayList<>(List.of("ELF core of one process: PT_LOAD per VMA at its address,"
                        + " NT_PRSTATUS from each thread's saved user registers, NT_PRPSINFO, NT_FILE"));
                for (ProcessCore.Region r : res.regions()) {
                    if (!r.nonResident().isEmpty()) {
                        notes.add("not resident (zeros): " + ranges(r.nonResident()) + " in " + Table.escape(describe(r.map())));
                    }
                }
                res.problems().forEach(x -> notes.add(Table.escape(x)));
                EvidenceManifest m = w.commit(new EvidenceWriter.Description("process-core", "ELF_CORE",
                        SymbolExport.source(s.target()), "procdump", res.problems().isEmpty() && res.nonResidentPages() == 0,
                        notes, details));
                out.printf("wrote %s: %d VMAs, %d threads, %d pages not resident; sha256 %s%n", file,
                        res.regions().size(), res.threads(), res.nonResidentPages(), m.sha256());
            }
            warnings.addAll(res.problems());
            if (res.nonResidentPages() > 0) warnings.add(res.nonResidentPages() + " pages not resident, written as zeros (see the manifest)");
            if (exe) warnings.addAll(files(s, p, res, out));
            out.flush();
            return ExitCode.okOrPartial(!io.chirp.cli.Table.warn(spec, warnings));
        }
    }

    /** Rebuilds every mapped file; {@return warnings} */
    private List<String> files(LinuxSession s, LinuxProcess p, ProcessCore.Result res, PrintWriter out) {
        Map<String, List<MemoryMap>> byFile = new LinkedHashMap<>();
        for (ProcessCore.Region r : res.regions()) {
            MemoryMap m = r.map();
            if (m.inode() != 0 && m.name() != null) byFile.computeIfAbsent(m.inode() + " " + m.name(), x -> new ArrayList<>()).add(m);
        }
        AddressSpace as = s.kernel().userSpace(s.kernel().reader().u64(p.mm() + s.kernel().layout().offset("mm_struct", "pgd")));
        List<String> warnings = new ArrayList<>();
        int n = 0;
        for (List<MemoryMap> maps : byFile.values()) {
            MemoryMap first = maps.getFirst();
            Path file = dir.resolve("pid-" + pid + "-files").resolve((n++) + "-" + safeName(first.name()));
            try (EvidenceWriter w = EvidenceWriter.create(file)) {
                List<long[]> missing = ProcessCore.rebuild(as, maps, maxSize, w::write);
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("path", first.name());
                details.put("inode", first.inode());
                details.put("device", first.device());
                details.put("vmas", maps.stream().map(ProcDumpCommand::describe).toList());
                List<String> notes = new ArrayList<>(List.of("rebuilt from the process's file-backed VMAs, each at its file"
                        + " offset: private writable mappings show the process's changes, not the file on disk"));
                if (!missing.isEmpty()) notes.add("file ranges not resident or not mapped (zeros): " + ranges(missing));
                EvidenceManifest m = w.commit(new EvidenceWriter.Description("mapped-file", "RAW", SymbolExport.source(s.target()),
                        "procdump-exe", missing.isEmpty(), notes, details));
                out.printf("wrote %s (%s): %d bytes, sha256 %s%n", file, Table.escape(first.name()), w.size(), m.sha256());
                if (!missing.isEmpty()) warnings.add(Table.escape(first.name()) + ": " + missing.size() + " ranges not resident or not mapped");
            }
        }
        return warnings;
    }

    private static String describe(MemoryMap m) { return m.procLine(); }

    private static String ranges(List<long[]> rs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rs.size() && i < 64; i++) {
            if (i > 0) sb.append(',');
            sb.append("0x").append(Long.toHexString(rs.get(i)[0])).append("-0x").append(Long.toHexString(rs.get(i)[1]));
        }
        if (rs.size() > 64) sb.append(",... (").append(rs.size()).append(" ranges)");
        return sb.toString();
    }

    /** A guest-chosen file name made safe as a host file name: its last component, plain characters only. */
    static String safeName(String path) {
        String base = path.substring(path.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._+-]", "_");
        if (base.isEmpty() || base.equals(".") || base.equals("..")) base = "file";
        return base.length() > 100 ? base.substring(0, 100) : base;
    }
}
