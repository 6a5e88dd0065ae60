package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Json;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.linux.integrity.IntegrityFinding;
import io.chirp.linux.integrity.IntegrityReport;
import io.chirp.tables.LinuxViews;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
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
 * The findings and per-check sections are the declared check and check_sections tables, as the API returns them.
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
    enum Name { hidden_processes, hidden_modules, syscall_table, syscall_dispatch, inline_hooks, idt, kprobes, ftrace, credentials, kernel_threads,
        wx_memory, exe_location, masquerade, orphans, module_taint, rootkit_modules }

    /** Severities as the command line spells them. */
    enum Level { info, warning, critical }

    @Override public Integer call() {
        Set<String> checks = only == null ? null : only.stream().map(Enum::name).collect(Collectors.toSet());
        IntegrityFinding.Severity min = IntegrityFinding.Severity.valueOf(minSeverity.name().toUpperCase(java.util.Locale.ROOT));
        LinuxViews.CheckResult r;
        try (LinuxSession s = LinuxSession.open(target)) {
            r = LinuxViews.check(s.kernel(), s.target().cpus(), checks, min);
        }
        IntegrityReport rep = r.report();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        switch (format) {
            case json -> {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("findings", r.findings().objects());
                doc.put("checks", r.sections().objects());
                out.println(Json.pretty(doc));
                out.flush();
            }
            case csv -> Table.print(r.findings(), out, Table.Format.csv);
            case table -> {
                if (r.findings().values().isEmpty()) out.println("no findings");
                else Table.print(r.findings(), out, Table.Format.table);
                out.println();
                // the problems column is for machines; here they go to stderr, one line each
                Table.print(LinuxViews.sectionsWithoutProblems(rep), out, Table.Format.table);
                out.println(summary(rep));
                out.flush();
            }
        }
        for (IntegrityReport.Section s : rep.sections()) {
            for (String p : s.problems()) err.println("chirp: warning: " + s.check() + " is partial: " + Table.escape(p));
        }
        if (format != Table.Format.table) err.println("chirp: " + summary(rep));
        err.flush();
        if (r.alarming()) return ExitCode.FINDINGS.code();
        return ExitCode.okOrPartial(rep.sections().stream().allMatch(IntegrityReport.Section::complete));
    }

    private static String summary(IntegrityReport rep) {
        Map<IntegrityFinding.Severity, Long> n = rep.findings().stream()
                .collect(Collectors.groupingBy(IntegrityFinding::severity, Collectors.counting()));
        long partial = rep.sections().stream().filter(s -> !s.complete()).count();
        return String.format("%d checks, %d partial; %d critical, %d warning, %d info", rep.sections().size(), partial,
                n.getOrDefault(IntegrityFinding.Severity.CRITICAL, 0L), n.getOrDefault(IntegrityFinding.Severity.WARNING, 0L),
                n.getOrDefault(IntegrityFinding.Severity.INFO, 0L));
    }
}
