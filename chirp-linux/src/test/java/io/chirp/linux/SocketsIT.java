package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.net.LinuxSocket;
import io.chirp.linux.net.Sockets;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class SocketsIT {
    private static final Duration T = Duration.ofSeconds(90);

    @Test
    void liveSocketsMatchProcNetAndTheOwnersFdLinks(LabGuest g) {
        // A UDP socket (syslogd's, bound on its first remote message) and a Unix datagram socket (/dev/log).
        GuestShell.run(g, "pidof syslogd || syslogd -R 10.0.2.100:514 -O /tmp/s.log; sleep 1; logger chirp-test", T);
        // A connection the guest closes first: a TIME_WAIT socket (for 60 s) that no process holds.
        GuestShell.run(g, "echo hi | nc -w 2 10.0.2.100 8000", T);
        Oracle before = Oracle.of(g);
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            Sockets.Listing l = new Sockets(k).list();
            assertThat(l.complete()).as("%s", l.problems()).isTrue();
            check(l.sockets(), before);
            LinuxSocket log = l.sockets().stream().filter(s -> "/dev/log".equals(s.path())).findFirst().orElseThrow();
            assertThat(log.type()).isEqualTo("dgram");
            assertThat(log.owners()).extracting(LinuxSocket.Owner::comm).containsExactly("syslogd");
            assertThat(l.sockets()).anySatisfy(s -> assertThat(s.protocol()).isEqualTo("udp"));
            assertThat(l.sockets()).anySatisfy(s -> {
                assertThat(s.state()).isEqualTo("TIME_WAIT");
                assertThat(s.unowned()).isTrue();
                assertThat(s.seenIn()).containsExactly(LinuxSocket.Origin.KERNEL_TABLE);
                assertThat(s.remoteText()).isEqualTo("10.0.2.100:8000");
            });
        }
    }

    /** /proc/net/{tcp,tcp6,udp,udp6,unix} and the socket:[inode] links of every process, read in the guest. */
    record Oracle(GroundTruth net, Map<Long, Set<Integer>> owners) {
        static Oracle of(LabGuest g) {
            Map<String, List<String>> sections = new TreeMap<>();
            for (String t : List.of("tcp", "tcp6", "udp", "udp6", "unix")) {
                sections.put(t, GuestShell.run(g, "cat /proc/net/" + t, T).lines().toList());
            }
            Map<Long, Set<Integer>> owners = new TreeMap<>();
            int pid = -1;
            for (String line : GuestShell.run(g, "ls -l /proc/[0-9]*/fd 2>/dev/null", T).lines().toList()) {
                if (line.startsWith("/proc/") && line.endsWith("/fd:")) {
                    pid = Integer.parseInt(line.substring(6, line.length() - 4));
                } else if (line.contains("-> socket:[")) {
                    long inode = Long.parseLong(line.substring(line.indexOf("socket:[") + 8, line.lastIndexOf(']')));
                    owners.computeIfAbsent(inode, x -> new TreeSet<>()).add(pid);
                }
            }
            return new Oracle(new GroundTruth(sections), owners);
        }
    }

    /**
     * Every line of /proc/net/{tcp,tcp6,udp,udp6} must be one of ours and the other way round, compared on
     * (table, local, remote, state, inode, owning pids); Unix sockets on (inode, type, state, path, pids).
     */
    static void check(List<LinuxSocket> ours, Oracle oracle) {
        Set<String> expected = new TreeSet<>();
        for (GroundTruth.Socket s : oracle.net().sockets()) {
            expected.add(s.table() + " " + s.localHex() + ":" + s.localPort() + " " + s.remoteHex() + ":" + s.remotePort()
                    + " " + s.state() + " " + s.inode() + " " + oracle.owners().getOrDefault(s.inode(), Set.of()));
        }
        Set<String> actual = new TreeSet<>();
        for (LinuxSocket s : ours) {
            if (!s.seenIn().contains(LinuxSocket.Origin.KERNEL_TABLE) || s.local() == null) continue;
            if (!List.of("tcp", "tcp6", "udp", "udp6").contains(s.protocol())) continue;
            actual.add(s.protocol() + " " + procHex(s.local()) + ":" + s.localPort() + " " + procHex(s.remote()) + ":"
                    + s.remotePort() + " " + s.stateCode() + " " + s.inode() + " " + pids(s));
        }
        assertThat(expected).hasSizeGreaterThanOrEqualTo(2);
        assertThat(actual).isEqualTo(expected);

        Set<String> unixExpected = new TreeSet<>();
        for (String line : oracle.net().section("unix")) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 7 || f[0].equals("Num")) continue;
            long inode = Long.parseLong(f[6]);
            unixExpected.add(inode + " " + Integer.parseInt(f[4], 16) + " " + Integer.parseInt(f[5], 16) + " "
                    + (f.length > 7 ? f[7] : "-") + " " + oracle.owners().getOrDefault(inode, Set.of()));
        }
        Set<String> unixActual = new TreeSet<>();
        for (LinuxSocket s : ours) {
            if (!s.family().equals("unix")) continue;
            int type = List.of("?", "stream", "dgram", "raw", "rdm", "seqpacket").indexOf(s.type());
            unixActual.add(s.inode() + " " + type + " " + (s.stateCode() & 0xff) + " " + (s.path() == null ? "-" : s.path())
                    + " " + pids(s));
        }
        assertThat(unixActual).isEqualTo(unixExpected);
        // The scenario: nc's dual-stack listener on 4444 and its connection to the host's echo service.
        assertThat(ours).anySatisfy(s -> {
            assertThat(s.protocol()).isEqualTo("tcp6");
            assertThat(s.state()).isEqualTo("LISTEN");
            assertThat(s.localPort()).isEqualTo(4444);
            assertThat(s.local()).isEqualTo("::");
            assertThat(s.owners()).extracting(LinuxSocket.Owner::comm).containsExactly("nc");
        });
        assertThat(ours).anySatisfy(s -> {
            assertThat(s.protocol()).isEqualTo("tcp");
            assertThat(s.state()).isEqualTo("ESTABLISHED");
            assertThat(s.remoteText()).isEqualTo("10.0.2.100:8000");
        });
    }

    private static Set<Integer> pids(LinuxSocket s) {
        Set<Integer> p = new TreeSet<>();
        for (LinuxSocket.Owner o : s.owners()) p.add(o.pid());
        return p;
    }

    /** The address as /proc/net prints it: each 32-bit word of the network-order bytes as a host-order hex number. */
    static String procHex(String address) {
        byte[] b;
        try {
            b = InetAddress.getByName(address).getAddress(); // a literal: no name lookup
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
        if (b.length == 4 && address.contains(":")) { // Java folds ::ffff:a.b.c.d to IPv4
            byte[] m = new byte[16];
            m[10] = m[11] = (byte) 0xff;
            System.arraycopy(b, 0, m, 12, 4);
            b = m;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i += 4) {
            byte[] w = Arrays.copyOfRange(b, i, i + 4);
            sb.append(String.format("%02X%02X%02X%02X", w[3], w[2], w[1], w[0]));
        }
        return sb.toString();
    }


}
