package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.linux.fs.Mount;
import io.chirp.linux.fs.Mounts;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code chirp linux mounts}: the mounts of init's mount namespace (Volatility's linux.mountinfo). */
@Command(name = "mounts", mixinStandardHelpOptions = true, description = "List the mounts of init's mount namespace.")
public final class MountsCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            Mounts.Listing l = new Mounts(s.kernel()).list();
            boolean partial = false;
            Table t = new Table("device", "mountpoint", "type", "options");
            for (Mount m : l.mounts()) {
                t.row(m.device(), m.mountPoint(), m.fsType(), String.join(",", m.options()));
                if (!m.problems().isEmpty()) partial |= Partial.warn(spec, m.problems());
            }
            t.print(spec.commandLine().getOut(), format);
            if (!l.complete()) partial |= Partial.warn(spec, List.of("mount list: " + l.problem()));
            return ExitCode.okOrPartial(!partial);
        }
    }
}
