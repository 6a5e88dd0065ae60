package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.fs.Mount;
import io.chirp.linux.fs.Mounts;
import io.chirp.linux.net.Interfaces;
import io.chirp.linux.net.LinuxSocket;
import io.chirp.linux.net.Sockets;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every mount and network namespace, not only init's (scenario kobjects: a listener in a netns and mount namespace of
 * its own), held to the guest's /proc/PID/ns links, /proc/PID/mounts and /proc/PID/net/dev of a process in each.
 */
@WithLabGuest(scenario = "kobjects")
class NamespacesIT {

    @Test
    void eachNamespaceHasTheMountsInterfacesAndSocketsTheGuestShows(LabGuest g) {
        GroundTruth t = g.groundTruth();
        Map<String, List<String>> mounts = t.namespaceMounts(), interfaces = t.namespaceInterfaces();
        assertThat(mounts).as("a mount namespace besides init's").hasSizeGreaterThanOrEqualTo(2);
        assertThat(interfaces).as("a network namespace besides init's").hasSizeGreaterThanOrEqualTo(2);
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());

            Namespaces.Listing mnt = new Namespaces(k).list(Namespaces.Kind.MNT);
            assertThat(mnt.complete()).as("%s", mnt.problems()).isTrue();
            assertThat(mnt.namespaces()).extracting(n -> "mnt:[" + n.inum() + "]")
                    .containsExactlyInAnyOrderElementsOf(mounts.keySet());
            for (Namespaces.Namespace n : mnt.namespaces()) {
                Mounts.Listing l = new Mounts(k).list(n.address());
                assertThat(l.complete()).as(l.problem()).isTrue();
                List<String> expected = mounts.get("mnt:[" + n.inum() + "]").stream().map(line -> {
                    String[] f = line.split(" ");
                    return f[0] + " " + f[1] + " " + f[2];
                }).toList();
                // /proc/PID/mounts shows what is under the process's root: kdevtmpfs, chrooted into devtmpfs in a
                // namespace of its own, does not see that namespace's rootfs, which is still one of its mounts
                List<String> actual = l.mounts().stream().map(m -> m.device() + " " + m.mountPoint() + " " + m.fsType())
                        .filter(m -> expected.contains(m) || !m.equals("rootfs / rootfs")).toList();
                assertThat(actual).as("mnt:[%d]", n.inum()).isEqualTo(expected);
            }
            assertThat(mnt.namespaces().getLast().address()).isNotEqualTo(mnt.namespaces().getFirst().address());
            List<Mount> nsOnly = mnt.namespaces().stream().flatMap(n -> new Mounts(k).list(n.address()).mounts().stream())
                    .filter(m -> "/mnt/nsonly".equals(m.mountPoint())).toList();
            assertThat(nsOnly).extracting(Mount::device).containsExactly("chirp-nsonly");

            Namespaces.Listing net = new Namespaces(k).list(Namespaces.Kind.NET);
            assertThat(net.complete()).as("%s", net.problems()).isTrue();
            assertThat(net.namespaces()).extracting(n -> "net:[" + n.inum() + "]")
                    .containsExactlyInAnyOrderElementsOf(interfaces.keySet());
            for (Namespaces.Namespace n : net.namespaces()) {
                Interfaces.Listing l = new Interfaces(k).list(n.address());
                assertThat(l.complete()).as(l.problem()).isTrue();
                assertThat(l.interfaces()).extracting(Interfaces.Interface::name).as("net:[%d]", n.inum())
                        .containsExactlyInAnyOrderElementsOf(interfaces.get("net:[" + n.inum() + "]"));
                assertThat(l.interfaces()).allSatisfy(i -> assertThat(i.netns()).isEqualTo(n.inum()));
            }

            // the namespaced listener: its socket carries its process's netns, not init's
            // init's network namespace is the one with eth0
            long initNet = GroundTruth.namespaceInode(interfaces.entrySet().stream()
                    .filter(e -> e.getValue().contains("eth0")).findFirst().orElseThrow().getKey());
            assertThat(net.namespaces().getFirst().inum()).isEqualTo(initNet);
            Map<Integer, Long> netOf = t.namespaces().stream()
                    .collect(Collectors.toMap(GroundTruth.ProcessNamespaces::pid, p -> GroundTruth.namespaceInode(p.net())));
            Sockets.Listing s = new Sockets(k).list();
            LinuxSocket listener = s.sockets().stream()
                    .filter(x -> x.localPort() == Scenario.NAMESPACE_PORT && "LISTEN".equals(x.state())).findFirst()
                    .orElseThrow(() -> new AssertionError("no listener on " + Scenario.NAMESPACE_PORT));
            assertThat(listener.owners()).isNotEmpty();
            long expected = netOf.get(listener.owners().getFirst().pid());
            assertThat(listener.netns()).isEqualTo(expected).isNotEqualTo(initNet);
            assertThat(s.sockets().stream().filter(x -> x.localPort() != Scenario.NAMESPACE_PORT && !x.owners().isEmpty()
                    && x.family().startsWith("inet")).map(LinuxSocket::netns).collect(Collectors.toSet()))
                    .isSubsetOf(Set.copyOf(netOf.values()));
        }
    }
}
