package io.chirp.cli.linux;

import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.tables.LinuxViews;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code chirp linux sockets}: TCP, UDP and Unix sockets with their owning processes (Volatility's linux.sockstat).
 * Sockets that only the kernel's tables hold (no process has them open) are listed with owner "-" and seen "kernel".
 */
@Command(name = "sockets", mixinStandardHelpOptions = true, description = "List network and Unix sockets with the processes that hold them.")
public final class SocketsCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--proto", split = ",", paramLabel = "P",
            description = "only these protocols, comma-separated: ${COMPLETION-CANDIDATES} (other: any protocol not named here)")
    List<Proto> protocols;
    @Option(names = "--unowned", description = "only sockets no process holds open") boolean unowned;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    /** The protocols {@code --proto} accepts: {@link LinuxViews#SOCKET_PROTOCOLS}, as an enum for picocli's checks. */
    enum Proto { tcp, tcp6, udp, udp6, udplite, udplite6, raw, raw6, unix, other }

    @Override public Integer call() {
        Set<String> only = protocols == null ? null : protocols.stream().map(Enum::name).collect(Collectors.toSet());
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.sockets(s.kernel(), only, unowned), format);
        }
    }
}
