package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.linux.net.LinuxSocket;
import io.chirp.linux.net.Sockets;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
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

    /** The protocols {@code --proto} accepts, as {@link LinuxSocket#protocol()} names them. */
    enum Proto {
        tcp, tcp6, udp, udp6, udplite, udplite6, raw, raw6, unix, other;

        static Proto of(String protocol) {
            for (Proto p : values()) if (p != other && p.name().equals(protocol)) return p;
            return other;
        }
    }

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            Sockets.Listing l = new Sockets(s.kernel()).list();
            boolean partial = false;
            Table t = new Table("proto", "type", "state", "local", "remote", "inode", "owners", "seen", "sock");
            for (LinuxSocket x : l.sockets()) {
                if (protocols != null && !protocols.contains(Proto.of(x.protocol()))) continue;
                if (unowned && !x.unowned()) continue;
                String owners = x.owners().isEmpty() ? null : x.owners().stream()
                        .map(o -> o.pid() + "/" + o.comm() + ":" + o.fd()).collect(Collectors.joining(" "));
                String seen = x.seenIn().size() == 2 ? "fd+kernel"
                        : x.seenIn().contains(LinuxSocket.Origin.KERNEL_TABLE) ? "kernel" : "fd";
                t.row(x.protocol(), x.type(), x.state(), x.localText(), x.remoteText(), x.inode(), owners, seen,
                        String.format("0x%x", x.sock()));
                if (!x.problems().isEmpty()) partial |= Partial.warn(spec, x.problems());
            }
            t.print(spec.commandLine().getOut(), format);
            partial |= Partial.warn(spec, l.problems());
            return ExitCode.okOrPartial(!partial);
        }
    }
}
