package io.chirp.linux.carve;

import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.net.Sockets;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * sockscan on the standard lab guest: TCP connections the guest opened over loopback to its own listener on 4444, and
 * closed again, are carved as closed from the TCP slab (the clients, from the source ports the guest's /proc/net/tcp
 * showed while they were open) and from the TCPv6 slab (the listener's accepted ends); the sockets the guest's
 * /proc/net/tcp listed are carved as listed; nothing is hidden on the clean guest.
 */
@WithLabGuest
class SocketScanIT {

    @Test
    void closedConnectionsAreCarvedWithTheirPortsAndPeers(LabGuest g) {
        // four loopback connections to the guest's own listener on 4444, all open at once (each sends after 5 s):
        // SLUB hands out the slot freed last first, so sockets made one after another would each take the previous
        // one's slot. While they are open the guest reads their source ports from its /proc/net/tcp (each hex digit
        // followed by '_', so a byte the loaded serial log doubles is collapsed again). The shell waits for its own
        // children only (a shared guest's shell may have others).
        String out = g.shell("p=''; for i in 1 2 3 4; do ((sleep 5; echo hi) | timeout 15 nc 127.0.0.1 4444) >/dev/null 2>&1 &"
                + " p=\"$p $!\"; done; n=0; while [ $n -lt 20 ] && [ $(awk '$3==\"0100007F:115C\" && $4==\"01\"' /proc/net/tcp"
                + " | wc -l) -lt 4 ]; do sleep 1; n=$((n+1)); done; awk '$3==\"0100007F:115C\" {print substr($2,10)}'"
                + " /proc/net/tcp | sed 's/./&_/g; s/^/lp=/'; wait $p; echo sockets-done", Duration.ofSeconds(180));
        assertThat(out).contains("sockets-done");
        Set<Integer> ports = out.lines().map(l -> LabGuest.squeeze(l.strip())).filter(l -> l.startsWith("lp="))
                .map(l -> Integer.parseInt(l.substring(3).replace("_", ""), 16)).collect(Collectors.toSet());
        assertThat(ports).as(out).hasSize(4);
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            SocketCarver.Result r = new SocketCarver(k).carve();
            assertThat(r.complete()).as(r.problem()).isTrue();
            assertThat(r.slots()).isPositive();

            // the clients (IPv4, TCP cache): closed, from the ports the guest saw, to 127.0.0.1:4444
            List<SocketCarver.CarvedSocket> clients = r.sockets().stream()
                    .filter(s -> s.protocol().equals("tcp") && ports.contains(s.localPort())).toList();
            assertThat(clients).as("the closed clients, among %s", r.sockets()).hasSize(4).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(SocketCarver.Status.CLOSED);
                assertThat(s.state()).isEqualTo("CLOSE");
                assertThat(s.local()).isEqualTo("127.0.0.1");
                assertThat(s.remoteText()).isEqualTo("127.0.0.1:4444");
            });
            // busybox nc listens on IPv6: the connections it accepted are IPv4-mapped TCPv6 sockets, closed too
            List<SocketCarver.CarvedSocket> accepted = r.sockets().stream()
                    .filter(s -> s.protocol().equals("tcp6") && s.localPort() == 4444 && ports.contains(s.remotePort())).toList();
            assertThat(accepted).as("the closed accepted ends, among %s", r.sockets()).hasSize(4).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(SocketCarver.Status.CLOSED);
                assertThat(s.remote()).contains("127.0.0.1");
            });

            // what the guest's /proc/net/tcp and tcp6 listed and CHIRP's listing still has is carved as listed
            Set<String> listedNow = new Sockets(k).list().sockets().stream().filter(s -> s.protocol().startsWith("tcp"))
                    .map(s -> s.protocol() + " " + s.localPort() + ">" + s.remotePort()).collect(Collectors.toSet());
            Set<String> carvedListed = r.sockets().stream().filter(s -> s.status() == SocketCarver.Status.LISTED)
                    .map(s -> s.protocol() + " " + s.localPort() + ">" + s.remotePort()).collect(Collectors.toSet());
            List<String> truth = g.groundTruth().sockets().stream().filter(s -> s.table().startsWith("tcp"))
                    .map(s -> s.table() + " " + s.localPort() + ">" + s.remotePort()).filter(listedNow::contains).toList();
            // the listener on 4444 (tcp6) and the connection to QEMU's echo service (tcp)
            assertThat(truth).as("%s", g.groundTruth().sockets()).contains("tcp6 4444>0").hasSizeGreaterThanOrEqualTo(2);
            assertThat(carvedListed).as("carved listed sockets vs the guest's /proc/net/tcp and tcp6").containsAll(truth);
            assertThat(r.sockets()).noneMatch(s -> s.status() == SocketCarver.Status.HIDDEN);
        }
    }
}
