package io.chirp.tables;

import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.net.LinuxSocket;
import io.chirp.linux.net.Sockets;
import io.chirp.net.attribution.Attribution;
import io.chirp.net.attribution.GuestSocket;
import io.chirp.net.flow.Flow;
import io.chirp.net.qemu.CaptureResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static io.chirp.tables.ColumnType.INTEGER;
import static io.chirp.tables.ColumnType.NUMBER;
import static io.chirp.tables.ColumnType.STRING;
import static io.chirp.tables.ColumnType.TIMESTAMP;

/**
 * Tables of the network: flows of a capture with the guest process behind each ({@code chirp net flows}) and a
 * capture's outcome ({@code chirp net capture}).
 */
public final class NetTables {
    private NetTables() {}

    /**
     * A flow row.
     *
     * @param flow        the flow
     * @param vmMac       the VM's MAC, when known: it tells outbound from inbound
     * @param attribution what the guest's sockets say about it, or null when no attribution was attempted
     */
    public record FlowRow(Flow flow, Optional<String> vmMac, Attribution.Attributed attribution) {
        Optional<GuestSocket.Owner> owner() { return attribution == null ? Optional.empty() : attribution.owner(); }
    }

    public static final TableDef<FlowRow> FLOWS = TableDef.of("flows", "A network flow (5-tuple) of a capture, with its owner in the guest.",
            Column.of("proto", STRING, "tcp, udp, icmp, ...", r -> r.flow().protocolName()),
            Column.of("client", STRING, "the side that spoke first, address:port", r -> r.flow().client().toString()),
            Column.of("server", STRING, "the other side, address:port", r -> r.flow().server().toString()),
            Column.of("first_seen", TIMESTAMP, "first packet", r -> r.flow().firstSeen().toString()),
            Column.of("last_seen", TIMESTAMP, "last packet", r -> r.flow().lastSeen().toString()),
            Column.of("packets_out", INTEGER, "packets client to server", r -> r.flow().toServer().packets()),
            Column.of("bytes_out", INTEGER, "bytes client to server", r -> r.flow().toServer().bytes()),
            Column.of("packets_in", INTEGER, "packets server to client", r -> r.flow().toClient().packets()),
            Column.of("bytes_in", INTEGER, "bytes server to client", r -> r.flow().toClient().bytes()),
            Column.of("flags_out", STRING, "TCP flags seen client to server, null if not TCP",
                    r -> r.flow().protocol() == 6 ? r.flow().toServer().tcpFlagLetters() : null),
            Column.of("flags_in", STRING, "TCP flags seen server to client, null if not TCP",
                    r -> r.flow().protocol() == 6 ? r.flow().toClient().tcpFlagLetters() : null),
            Column.of("direction", STRING, "outbound or inbound as seen from the VM, null when its MAC is unknown",
                    r -> r.vmMac().flatMap(r.flow()::endpointWithMac).map(e -> e.equals(r.flow().client()) ? "outbound" : "inbound")
                            .orElse(null)),
            Column.of("metadata", STRING, "DNS names, HTTP hosts, TLS SNI seen (guest data), null if none",
                    r -> r.flow().metadata().isEmpty() ? null : r.flow().metadata().stream().map(o -> o.data().summary()).distinct()
                            .collect(Collectors.joining("; "))),
            Column.of("pid", INTEGER, "the guest process holding the socket, null if unknown", r -> r.owner().map(o -> (Object) o.pid()).orElse(null)),
            Column.of("process", STRING, "its name", r -> r.owner().map(GuestSocket.Owner::name).orElse(null)),
            Column.of("cmdline", STRING, "its command line", r -> r.owner().map(GuestSocket.Owner::cmdLine).orElse(null)),
            Column.of("attribution", STRING, "how the owner was found, null when the guest's sockets were not read",
                    r -> r.attribution() == null ? null : r.attribution().match().name().toLowerCase(Locale.ROOT)));

    public static final TableDef<CaptureResult> CAPTURE = TableDef.of("capture", "A capture of a VM's traffic.",
            Column.of("vm", STRING, "the VM", CaptureResult::vm),
            Column.of("netdev", STRING, "the QEMU netdev captured", CaptureResult::netdev),
            Column.of("file", STRING, "the capture file", c -> c.file().toString()),
            Column.of("format", STRING, "pcap or pcapng", c -> c.format().name().toLowerCase(Locale.ROOT)),
            Column.of("packets", INTEGER, "packets captured", CaptureResult::packets),
            Column.of("bytes", INTEGER, "size of the file", CaptureResult::size),
            Column.of("sha256", STRING, "SHA-256 of the file", CaptureResult::sha256),
            Column.of("started", TIMESTAMP, "when the capture started", c -> c.started().toString()),
            Column.of("stopped", TIMESTAMP, "when it stopped", c -> c.stopped().toString()),
            Column.of("problem", STRING, "why it ended early, null if it did not", c -> c.problem().orElse(null)),
            Column.of("clock_offset_s", NUMBER, "how far QEMU's packet timestamps were ahead of host UTC (the file's are"
                    + " converted to host UTC); null when no packet was captured", c -> c.clockOffsetNanos().map(n -> n / 1e9).orElse(null)));

    /** {@return every network table} */
    public static List<TableDef<?>> all() { return List.of(FLOWS, CAPTURE); }

    /**
     * {@return the flows as rows, each joined to the guest socket behind it when {@code sockets} is not null}
     *
     * @param vmMac the VM's MAC (direction), when known
     */
    public static Rows flows(List<Flow> flows, Optional<String> vmMac, List<GuestSocket> sockets, List<String> problems) {
        Map<Flow, Attribution.Attributed> owners = new HashMap<>();
        if (sockets != null) for (Attribution.Attributed a : Attribution.join(flows, sockets)) owners.put(a.flow(), a);
        List<FlowRow> rows = new ArrayList<>(flows.size());
        for (Flow f : flows) rows.add(new FlowRow(f, vmMac, sockets == null ? null : owners.get(f)));
        return FLOWS.rows(rows, false, problems);
    }

    /**
     * What a capture's flows need from the VM they came from, while it runs: its MAC (to tell inbound from outbound,
     * when it has one NIC), its UUID, and, asked for, its Internet sockets (to name each flow's process).
     *
     * @param sockets  null when not asked for or unreadable (then {@code problems} says why)
     * @param problems why something is missing, for warnings and the rows' problems
     */
    public record Guest(Optional<String> mac, Optional<String> uuid, List<GuestSocket> sockets, List<String> problems) {}

    /**
     * {@return what {@code vm} ({@code NAME} or {@code BACKEND:NAME}, any back-end) gives for flows} A VM that is not
     * running gives nothing, with the reason: a capture file outlives its VM.
     */
    public static Guest guestOf(String vm, Optional<String> connect, boolean attribute) {
        List<String> problems = new ArrayList<>();
        io.chirp.hypervisor.Target t;
        try {
            t = io.chirp.hypervisor.Target.vm(vm, connect);
        } catch (io.chirp.core.ChirpException e) {
            problems.add("VM " + vm + " is not running here (" + e.getMessage() + "): no direction and no attribution");
            return new Guest(Optional.empty(), Optional.empty(), null, problems);
        }
        try (t) {
            var h = ((io.chirp.hypervisor.Target.Live) t).vm();
            var nics = h.nics();
            Optional<String> mac = nics.size() == 1 ? Optional.ofNullable(nics.getFirst().mac()) : Optional.empty();
            if (nics.size() != 1) problems.add("VM " + vm + " has " + nics.size() + " NICs: direction unknown");
            List<GuestSocket> sockets = null;
            if (attribute) {
                try {
                    sockets = guestSockets(LinuxKernel.attach(t.memory(), t.cpus()));
                } catch (io.chirp.core.ChirpException e) {
                    problems.add("no attribution: " + e.getMessage());
                }
            }
            return new Guest(mac, h.identity().uuid(), sockets, problems);
        }
    }

    /** {@return the guest's Internet sockets in the form flow attribution joins on, with each owner's command line} */
    public static List<GuestSocket> guestSockets(LinuxKernel k) {
        Map<Integer, String> cmdlines = new HashMap<>();
        for (LinuxProcess p : new Processes(k).list(false, true).processes()) cmdlines.put(p.tgid(), p.cmdline());
        List<GuestSocket> out = new ArrayList<>();
        for (LinuxSocket s : new Sockets(k).list().sockets()) {
            if (s.local() == null) continue;
            int proto = s.protocol().startsWith("tcp") ? 6 : s.protocol().startsWith("udp") ? 17 : -1;
            if (proto < 0) continue;
            boolean listening = s.state().equals("LISTEN") || (proto == 17 && s.remotePort() == 0);
            List<GuestSocket.Owner> owners = new ArrayList<>();
            for (LinuxSocket.Owner o : s.owners()) {
                if (owners.stream().noneMatch(x -> x.pid() == o.pid())) {
                    owners.add(new GuestSocket.Owner(o.pid(), o.comm(), cmdlines.get(o.pid())));
                }
            }
            out.add(new GuestSocket(proto, s.local(), s.localPort(), listening ? null : s.remote(), s.remotePort(),
                    listening, owners));
        }
        return out;
    }
}
