package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.linux.ModuleInfo;
import io.chirp.linux.Modules;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code chirp linux lsmod}: kernel modules from the kernel's module list (Volatility's linux.lsmod). */
@Command(name = "lsmod", mixinStandardHelpOptions = true, description = "List kernel modules from the kernel's module list.")
public final class LsmodCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--params", description = "add a column with each module's parameters") boolean params;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            Modules.Listing l = new Modules(s.kernel()).list();
            boolean partial = false;
            Table t = params ? new Table("name", "base", "size", "state", "refs", "taints", "struct", "parameters")
                    : new Table("name", "base", "size", "state", "refs", "taints", "struct");
            for (ModuleInfo m : l.modules()) {
                String base = String.format("0x%x", m.base());
                String struct = String.format("0x%x", m.address());
                if (params) {
                    String p = m.parameters().stream().map(x -> x.name() + "=" + (x.value() == null ? "?" : x.value()))
                            .collect(Collectors.joining(" "));
                    t.row(m.name(), base, m.size(), m.state(), m.refcount(), m.taints(), struct, p);
                } else {
                    t.row(m.name(), base, m.size(), m.state(), m.refcount(), m.taints(), struct);
                }
                partial |= !m.problems().isEmpty();
                for (String problem : m.problems()) {
                    spec.commandLine().getErr().println("chirp: warning: " + Table.escape(m.name()) + ": "
                            + Table.escape(problem));
                }
            }
            t.print(spec.commandLine().getOut(), format);
            partial |= Warnings.walk(spec, l.walk());
            return ExitCode.okOrPartial(!partial);
        }
    }
}
