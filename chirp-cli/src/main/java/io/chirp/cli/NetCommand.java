package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.core.ChirpVersion;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.net.flow.Flow;
import io.chirp.net.flow.FlowReport;
import io.chirp.net.flow.Flows;
import io.chirp.net.ocsf.NetworkActivity;
import io.chirp.net.pcap.CaptureFormat;
import io.chirp.net.qemu.CaptureResult;
import io.chirp.net.qemu.LiveCapture;
import io.chirp.net.attribution.Attribution;
import io.chirp.net.attribution.GuestSocket;
import io.chirp.tables.NetTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code chirp net capture|flows}: a VM's traffic captured from the hypervisor side, and flows of capture files. */
@Command(name = "net", mixinStandardHelpOptions = true, description = "Network traffic of running VMs (captured from outside, unseen by the guest) and capture files.",
        subcommands = {NetCommand.Capture.class, NetCommand.FlowsCmd.class})
final class NetCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    @Command(name = "capture", mixinStandardHelpOptions = true, description = "Capture a running VM's traffic into a pcap or pcapng file, with its SHA-256.")
    static final class Capture implements Callable<Integer> {
        @Option(names = "--vm", paramLabel = "NAME", required = true,
                description = "a running VM: a QEMU VM's name or pid, or BACKEND:NAME (libvirt:web1)") String vm;
        @Option(names = "--connect", paramLabel = "URI", description = "the libvirt daemon of --vm (e.g. qemu:///system)")
        String connect;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE",
                description = "new capture file; .pcapng gives pcapng, anything else pcap; or --store") Path output;
        @picocli.CommandLine.Mixin StoreOptions store;
        @Option(names = "--duration", paramLabel = "D", description = "how long, e.g. 30s or 5m (default: until Ctrl-C)") String duration;
        @Option(names = "--netdev", paramLabel = "ID", description = "QEMU netdev to capture (default: the VM's only one)") String netdev;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @Spec CommandSpec spec;

        @Override public Integer call() throws InterruptedException {
            if ((output == null) == !store.enabled()) throw ChirpException.usage("give -o FILE or --store (one of them)");
            if (!store.enabled()) return capture();
            int[] rc = {0};
            store.collect(folder -> {
                output = folder.resolve(vm.replaceAll("[^A-Za-z0-9._+-]", "_") + ".pcap");
                rc[0] = capture();
            }, spec.commandLine().getErr());
            return rc[0];
        }

        private int capture() throws InterruptedException {
            // Checked before touching the VM: a capture that cannot be written must not add a filter first.
            if (Files.exists(output)) throw ChirpException.usage("will not overwrite " + output + ": it exists");
            Duration d = duration == null ? null : Durations.parse(duration);
            PrintWriter err = spec.commandLine().getErr();
            CaptureResult result;
            // the VM stays open for the whole capture: a back-end's monitor (libvirt's) lives on its connection
            try (VmHandle target = VmBackends.open(vm, Optional.ofNullable(connect))) {
                LiveCapture capture = LiveCapture.start(target, Optional.ofNullable(netdev));
                for (String n : capture.cleanedUp()) err.println("chirp: " + Table.escape(n));
                result = run(capture, CaptureFormat.fromName(output.getFileName().toString()), d, target.identity().name(), err);
            }
            Table.print(NetTables.CAPTURE.rows(List.of(result)), spec.commandLine().getOut(), format);
            if (result.problem().isPresent()) {
                err.println("chirp: warning: partial result: the capture ends early (" + Table.escape(result.problem().get()) + ")");
                err.flush();
            }
            return ExitCode.okOrPartial(result.problem().isEmpty());
        }

        /**
         * Captures for {@code d}, or until Ctrl-C when null. Either way a shutdown hook guarantees that Ctrl-C removes
         * the filter from the VM and writes what was captured: a filter left behind would keep writing on the host.
         */
        private CaptureResult run(LiveCapture capture, CaptureFormat fmt, Duration d, String name, PrintWriter err)
                throws InterruptedException {
            CaptureResult[] result = new CaptureResult[1];
            CountDownLatch done = new CountDownLatch(1);
            Runnable stop = () -> {
                synchronized (capture) {
                    if (!capture.stopped()) result[0] = capture.stop(output, fmt);
                }
            };
            Thread hook = new Thread(() -> {
                try {
                    stop.run();
                    PrintWriter out = spec.commandLine().getOut();
                    out.println("captured " + result[0].packets() + " packets into " + result[0].file() + " sha256 " + result[0].sha256());
                    out.flush();
                } finally {
                    done.countDown();
                }
            }, "chirp-net-capture-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            err.println("capturing " + name + " netdev " + capture.netdev() + (d == null ? "; press Ctrl-C to stop" : " for " + duration));
            err.flush();
            if (d == null) {
                done.await();
                return result[0];
            }
            try {
                Thread.sleep(d);
            } finally {
                stop.run();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway and finds the capture stopped
                }
            }
            return result[0];
        }
    }

    @Command(name = "flows", mixinStandardHelpOptions = true, description = "Flows of a pcap or pcapng file: 5-tuples, traffic each way, TCP flags, DNS/HTTP/TLS names.")
    static final class FlowsCmd implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "a pcap or pcapng file") Path file;
        @Option(names = "--vm", paramLabel = "NAME",
                description = "the VM the capture is from (NAME, pid or BACKEND:NAME): names the device and, while it runs, tells"
                        + " inbound from outbound by its MAC and names each flow's process")
        String vm;
        @Option(names = "--connect", paramLabel = "URI", description = "the libvirt daemon of --vm (e.g. qemu:///system)")
        String connect;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @Option(names = "--ocsf", description = "print OCSF 1.8.0 Network Activity events (JSON, one per line) instead") boolean ocsf;
        @Spec CommandSpec spec;

        @Override public Integer call() throws Exception {
            FlowReport report = Flows.read(file);
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            Optional<String> mac = Optional.empty(), uid = Optional.empty();
            String deviceName = vm != null ? vm : file.getFileName().toString();
            // Attribution: the guest's sockets, read from its memory now, name the process behind each flow.
            List<GuestSocket> sockets = null;
            if (vm != null) {
                NetTables.Guest g = NetTables.guestOf(vm, Optional.ofNullable(connect), true);
                mac = g.mac();
                uid = g.uuid();
                sockets = g.sockets();
                for (String p : g.problems()) err.println("chirp: warning: " + Table.escape(p));
            }
            java.util.Map<Flow, Attribution.Attributed> owners = new java.util.HashMap<>();
            if (sockets != null) for (Attribution.Attributed a : Attribution.join(report.flows(), sockets)) owners.put(a.flow(), a);
            Optional<String> vmMac = mac;
            if (ocsf) {
                NetworkActivity.Context ctx = new NetworkActivity.Context(deviceName, uid, mac, ChirpVersion.current().toString());
                for (Flow f : report.flows()) {
                    var e = NetworkActivity.event(f, ctx);
                    Attribution.Attributed a = owners.get(f);
                    if (a != null && a.owner().isPresent()) {
                        var p = e.putObject("actor").putObject("process");
                        p.put("pid", a.owner().get().pid()).put("name", a.owner().get().name());
                        if (a.owner().get().cmdLine() != null) p.put("cmd_line", a.owner().get().cmdLine());
                    }
                    out.println(Json.line(e));
                }
            } else {
                Table.print(NetTables.flows(report.flows(), vmMac, sockets, List.of()), out, format);
            }
            out.flush();
            FlowReport.Stats s = report.stats();
            err.println(report.flows().size() + " flows from " + s.packets() + " packets (" + s.nonIp() + " non-IP, "
                    + s.malformed() + " malformed, " + s.fragments() + " fragments)");
            report.problem().ifPresent(p -> err.println("chirp: PARTIAL RESULT: the capture ends early (" + Table.escape(p)
                    + "); the flows cover only what comes before"));
            if (s.droppedFlows() > 0) err.println("chirp: PARTIAL RESULT: " + s.droppedFlows() + " flows beyond the table limit were not tracked");
            err.flush();
            return ExitCode.okOrPartial(report.problem().isEmpty() && s.droppedFlows() == 0);
        }
    }
}
