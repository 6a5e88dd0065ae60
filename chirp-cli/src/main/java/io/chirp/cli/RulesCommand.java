package io.chirp.cli;

import io.chirp.detect.check.RuleCheck;
import io.chirp.detect.ocsf.OcsfPipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code chirp rules}: Sigma rules for detection on CHIRP's events. */
@Command(name = "rules", mixinStandardHelpOptions = true, description = "Work with Sigma detection rules.", subcommands = {RulesCommand.Check.class})
final class RulesCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    /**
     * {@code chirp rules check DIR}: loads every rule under DIR and proves each one on CHIRP's events (an event built
     * from its own selections must fire it, a benign one must not); lists each rule with its status and reason.
     */
    @Command(name = "check", mixinStandardHelpOptions = true, description = {
            "Validate the Sigma rules under DIR and check that each one works on CHIRP's events.",
            "Exit code 5 (findings) when a rule does not load (the reason is in the table)."})
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "folder of Sigma rules (.yml/.yaml, searched recursively)") Path dir;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @Option(names = "--failures", description = "list only the rules that are not OK") boolean failuresOnly;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            RuleCheck.Report report = new RuleCheck(OcsfPipeline.standard()).check(dir);
            Table.print(io.chirp.tables.HostTables.RULE_CHECKS.rows(failuresOnly ? report.failures() : report.results()),
                    spec.commandLine().getOut(), format);
            // The summary goes to stderr so that json and csv output stay machine-readable.
            PrintWriter err = spec.commandLine().getErr();
            report.summary().forEach((category, n) ->
                    err.printf("%s: %d of %d rules OK (%.0f %%)%n", Table.escape(category), n[0], n[1], 100.0 * n[0] / n[1]));
            err.flush();
            boolean invalid = report.results().stream().anyMatch(r -> r.status() == RuleCheck.Status.INVALID);
            return (invalid ? ExitCode.FINDINGS : ExitCode.OK).code();
        }
    }
}
