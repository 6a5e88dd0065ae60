package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.tables.LinuxViews;
import io.chirp.tables.Rows;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code chirp linux pstree}: the process tree by parent (real_parent). The table format draws the tree from the
 * declared pstree rows (depth, pid, comm, cmdline); JSON and CSV print the rows themselves.
 */
@Command(name = "pstree", mixinStandardHelpOptions = true, description = "Show processes as a tree.")
public final class PsTreeCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--format", defaultValue = "table", description = "table (a tree), json or csv (with depth)")
    Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            Rows rows = LinuxViews.pstree(s.kernel());
            if (format != Table.Format.table) return Table.show(spec, rows, format);
            PrintWriter out = spec.commandLine().getOut();
            for (Map<String, Object> r : rows.objects()) {
                int depth = (Integer) r.get("depth");
                String cmdline = (String) r.get("cmdline");
                out.println("  ".repeat(depth) + (depth > 0 ? "└─ " : "") + r.get("pid") + " "
                        + Table.escape((String) r.get("comm"))
                        + (cmdline == null || cmdline.isEmpty() ? "" : "  " + Table.escape(cmdline)));
            }
            out.flush();
            return ExitCode.okOrPartial(!Table.warn(spec, rows.problems()));
        }
    }
}
