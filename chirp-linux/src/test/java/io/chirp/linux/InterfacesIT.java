package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.net.Interfaces;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The interfaces of the lab guest, held to its own /sys/class/net and {@code ip -o -4 addr}. */
@WithLabGuest
class InterfacesIT {

    @Test
    void interfacesAndAddressesAreTheGuestsOwn(LabGuest g) {
        List<String> truth = g.shell("for d in /sys/class/net/*; do echo \"${d##*/} $(cat $d/ifindex) $(cat $d/address) "
                + "$(cat $d/mtu) $(ip -o -4 addr show dev ${d##*/} | awk '{print $4}' | tr '\\n' ,)\"; done",
                Duration.ofSeconds(120)).lines().filter(l -> !l.isBlank()).toList();
        assertThat(truth).hasSizeGreaterThanOrEqualTo(2);
        try (LiveVm live = Guests.live(g)) {
            Interfaces.Listing l = new Interfaces(LinuxKernel.attach(live.memory(), live.registers())).list();
            assertThat(l.complete()).as(l.problem()).isTrue();
            assertThat(l.interfaces()).hasSize(truth.size());
            for (String line : truth) {
                String[] t = line.split(" ");
                Interfaces.Interface i = l.interfaces().stream().filter(x -> x.name().equals(t[0])).findFirst()
                        .orElseThrow(() -> new AssertionError(t[0] + " not found in " + l.interfaces()));
                assertThat(i.problems()).isEmpty();
                assertThat(i.index()).as(line).isEqualTo(Integer.parseInt(t[1]));
                assertThat(i.mac()).as(line).isEqualTo(t[2]);
                assertThat(i.mtu()).as(line).isEqualTo(Integer.parseInt(t[3]));
                List<String> addrs = t.length > 4 ? List.of(t[4].split(",")) : List.of();
                assertThat(i.addresses()).as(line).containsExactlyElementsOf(addrs.stream().filter(a -> !a.isEmpty()).toList());
                assertThat(i.up()).isTrue();
                assertThat(i.promisc()).isFalse();
            }
            assertThat(l.interfaces()).extracting(Interfaces.Interface::addresses).contains(List.of("10.0.2.15/24"));
        }
    }
}
