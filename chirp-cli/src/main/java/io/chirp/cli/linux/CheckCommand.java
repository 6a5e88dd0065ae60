package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Json;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.linux.integrity.IntegrityCheck;
import io.chirp.linux.integrity.IntegrityFinding;
import io.chirp.linux.integrity.IntegrityReport;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code chirp linux check}: every integrity check (hidden processes and modules, system call table and dispatcher,
 * inline hooks, IDT, kprobes and ftrace, credentials) and the heuristics (W+X memory, executables from temporary
 * folders, deleted or memfd, masquerades, orphans, tainted and rootkit-named modules). Exit code {@link ExitCode#FINDINGS} when something at warning
 * level or above was found, else {@link ExitCode#PARTIAL} when a check could not examine everything, else 0: scripts
 * can gate on it. Informational findings (a kprobe of a tracing tool) are listed but do not change the exit code.
 */
@Command(name = "check", mixinStandardHelpOptions = true, description = {"Run the integrity checks and heuristics: what rootkits hide or hook, what intruders leave.",
        "Exit code 0: clean; 5: findings at warning level or above; 4: no such findings but a check is partial;",
        "1: an error."})
public final class CheckCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--only", split = ",", paramLabel = "CHECK",
            description = "run only these checks: ${COMPLETION-CANDIDATES}") List<Name> only;
    @Option(names = "--min-severity", defaultValue = "info", paramLabel = "LEVEL",
            description = "list findings at or above: info, warning or critical") Level minSeverity;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    /** Check names as the command line spells them. */
    enum Name { hidden_processes, hidden_modules, syscall_table, syscall_dispatch, inline_hooks, idt, kprobes, ftrace, credentials,
        wx_memory, exe_location, masquerade, orphans, module_taint, rootkit_modules }

    /** Severities as the command line spells them. */
    enum Level { info, warning, critical }

    @Override public Integer call() {
        Set<String> checks = new LinkedHashSet<>();
        if (only == null || only.isEmpty()) checks.addAll(IntegrityCheck.ALL);
        else for (Name n : only) checks.add(n.name());
        IntegrityReport rep;
        try (LinuxSession s = LinuxSession.open(target)) {
            rep = new IntegrityCheck(s.kernel(), s.target().cpus()).run(checks);
        }
        IntegrityFinding.Severity min = IntegrityFinding.Severity.valueOf(minSeverity.name().toUpperCase());
        List<IntegrityFinding> shown = rep.findings(min);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        switch (format) {
            case json -> json(out, rep, shown);
            case csv -> findings(shown).print(out, Table.Format.csv);
            case table -> {
                if (shown.isEmpty()) out.println("no findings");
                else findings(shown).print(out, Table.Format.table);
                out.println();
                sections(rep).print(out, Table.Format.table);
                out.println(summary(rep));
                out.flush();
            }
        }
        for (IntegrityReport.Section s : rep.sections()) {
            for (String p : s.problems()) err.println("chirp: warning: " + s.check() + " is partial: " + Table.escape(p));
        }
        if (format != Table.Format.table) err.println("chirp: " + summary(rep));
        err.flush();
        if (!rep.findings(IntegrityFinding.Severity.WARNING).isEmpty()) return ExitCode.FINDINGS.code();
        return ExitCode.okOrPartial(rep.sections().stream().allMatch(IntegrityReport.Section::complete));
    }

    private static Table findings(List<IntegrityFinding> shown) {
        Table t = new Table("severity", "check", "finding", "evidence");
        for (IntegrityFinding f : shown) {
            String ev = f.evidence().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(" "));
            t.row(f.severity(), f.check(), f.summary(), ev);
        }
        return t;
    }

    private static Table sections(IntegrityReport rep) {
        Table t = new Table("check", "examined", "findings", "complete");
        for (IntegrityReport.Section s : rep.sections()) {
            t.row(s.check(), s.examined(), s.findings().size(), s.complete() ? "yes" : "PARTIAL");
        }
        return t;
    }

    private static String summary(IntegrityReport rep) {
        Map<IntegrityFinding.Severity, Long> n = rep.findings().stream()
                .collect(Collectors.groupingBy(IntegrityFinding::severity, Collectors.counting()));
        long partial = rep.sections().stream().filter(s -> !s.complete()).count();
        return String.format("%d checks, %d partial; %d critical, %d warning, %d info", rep.sections().size(), partial,
                n.getOrDefault(IntegrityFinding.Severity.CRITICAL, 0L), n.getOrDefault(IntegrityFinding.Severity.WARNING, 0L),
                n.getOrDefault(IntegrityFinding.Severity.INFO, 0L));
    }

    /** One JSON document: the findings and, per check, what it examined and whether it is complete. */
    private static void json(PrintWriter out, IntegrityReport rep, List<IntegrityFinding> shown) {
        List<Map<String, Object>> fs = new ArrayList<>();
        for (IntegrityFinding f : shown) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("severity", f.severity().name());
            m.put("check", f.check());
            m.put("finding", f.summary());
            m.put("evidence", f.evidence());
            fs.add(m);
        }
        List<Map<String, Object>> cs = new ArrayList<>();
        for (IntegrityReport.Section s : rep.sections()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("check", s.check());
            m.put("examined", s.examined());
            m.put("findings", s.findings().size());
            m.put("complete", s.complete());
            m.put("problems", s.problems());
            cs.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("findings", fs);
        doc.put("checks", cs);
        out.println(Json.pretty(doc));
        out.flush();
    }
}
