package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.mm.MemoryMap;
import io.chirp.linux.mm.MemoryMaps;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class MemoryMapsIT {

    @Test
    void liveMapsMatchProcPidMaps(LabGuest g) {
        // A cat blocked on a pipe has 11 VMAs: with the gaps between them more than one maple leaf holds, so its
        // tree has an internal node (the scenario's processes fit in a single leaf). The pause lets its exec finish:
        // a process caught mid-exec has an mm with no VMAs yet.
        int cat = Integer.parseInt(GuestShell.run(g,
                "sleep 100000 | cat >/dev/null & p=$!; sleep 2; echo $p", Duration.ofSeconds(90))
                .strip());
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            MemoryMaps maps = new MemoryMaps(k);
            List<LinuxProcess> all = new Processes(k).list(false, false).processes();
            List<LinuxProcess> chosen = new ArrayList<>(chosen(all));
            assertThat(chosen).hasSizeGreaterThanOrEqualTo(4);
            chosen.add(all.stream().filter(p -> p.pid() == cat).findFirst().orElseThrow());
            int compared = 0;
            for (LinuxProcess p : chosen) {
                // The scenario's processes are idle, so their maps do not change between the two reads.
                List<String> expected = procMaps(g, p.pid());
                // An nc left by an earlier test may be exiting right now (its maps already torn down): the guest no
                // longer shows it either, so there is nothing to compare.
                if (expected.stream().anyMatch(l -> l.contains("No such file"))) continue;
                MemoryMaps.Listing l = maps.of(p);
                compared++;
                assertThat(l.complete()).as("pid %s: %s", p.pid(), l.problems()).isTrue();
                assertThat(lines(l)).as("maps of pid %s (%s)", p.pid(), p.comm()).isEqualTo(expected);
                if (p.pid() == cat) assertThat(l.maps()).hasSizeGreaterThanOrEqualTo(11);
            }
            assertThat(compared).isGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void allProcessesAreReadCompletely(LabGuest g) {
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            List<MemoryMaps.Listing> all = new MemoryMaps(k).list(pid -> true);
            assertThat(all).hasSizeGreaterThan(5);
            // A short-lived process may be mid-exec or mid-exit while read (its tree torn down): only the scenario's
            // long-lived processes must come out complete.
            Set<Integer> stable = new java.util.HashSet<>();
            for (LinuxProcess p : chosen(new Processes(k).list(false, false).processes())) stable.add(p.pid());
            assertThat(all).filteredOn(l -> stable.contains(l.pid())).hasSizeGreaterThanOrEqualTo(4)
                    .allSatisfy(l -> assertThat(l.complete()).as("pid %s: %s", l.pid(), l.problems()).isTrue());
            MemoryMaps.Listing miner = all.stream().filter(l -> l.comm().equals("evil_miner")).findFirst().orElseThrow();
            // The masquerading miner runs its own copy of busybox, mapped from /tmp.
            assertThat(miner.maps()).anySatisfy(m -> {
                assertThat(m.name()).isEqualTo("/tmp/evil_miner");
                assertThat(m.perms()).isEqualTo("r-xp");
            });
            assertThat(miner.maps()).extracting(MemoryMap::name).contains("[heap]", "[stack]", "[vdso]");
        }
    }

    /** init, the miner, alice's kworkerd, the listening nc and the process holding secret.txt open. */
    static List<LinuxProcess> chosen(List<LinuxProcess> all) {
        Set<String> names = Set.of("evil_miner", "kworkerd", "nc");
        List<LinuxProcess> out = new ArrayList<>();
        for (LinuxProcess p : all) {
            if (p.kernelThread()) continue;
            if (p.pid() == 1 || names.contains(p.comm()) || "sleep 200000".equals(p.cmdline())
                    || (p.cmdline() == null && p.comm().equals("sleep"))) {
                out.add(p);
            }
        }
        return out;
    }

    static List<String> procMaps(LabGuest g, int pid) {
        String out = GuestShell.run(g, "cat /proc/" + pid + "/maps", Duration.ofMinutes(3));
        return out.lines().map(s -> String.join(" ", s.strip().split("\\s+"))).filter(s -> !s.isEmpty()).toList();
    }

    static List<String> lines(MemoryMaps.Listing l) {
        return l.maps().stream().map(m -> String.join(" ", m.procLine().split("\\s+"))).toList();
    }
}
