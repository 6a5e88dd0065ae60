package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.bpf.BpfObjects;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * eBPF objects, capabilities and ptrace on a guest that staged them (scenario kobjects: a static loader holding a
 * socket-filter program and an array map, CAP_SYS_MODULE dropped from its bounding set, a child it traces), held
 * to the guest's own /proc/PID/fdinfo and /proc/PID/status from its ground truth. One guest boot for the class.
 */
@WithLabGuest(scenario = "kobjects")
class KernelObjectsIT {

    @Test
    void bpfProgramsAndMapsAreTheOnesTheGuestsFdinfoShows(LabGuest g) {
        GroundTruth truth = g.groundTruth();
        List<GroundTruth.BpfFd> fds = truth.bpfFds();
        GroundTruth.BpfFd progFd = fds.stream().filter(f -> f.link().equals("anon_inode:bpf-prog")).findFirst()
                .orElseThrow(() -> new AssertionError("the guest holds no bpf-prog fd: " + truth.section("bpf-fdinfo")));
        GroundTruth.BpfFd mapFd = fds.stream().filter(f -> f.link().equals("anon_inode:bpf-map")).findFirst().orElseThrow();
        try (LiveVm live = Guests.live(g)) {
            BpfObjects.Listing l = new BpfObjects(LinuxKernel.attach(live.memory(), live.registers())).list();
            assertThat(l.complete()).as("%s", l.problems()).isTrue();

            BpfObjects.Program p = l.programs().stream()
                    .filter(x -> x.id() == Integer.parseInt(progFd.fields().get("prog_id"))).findFirst()
                    .orElseThrow(() -> new AssertionError("prog " + progFd.fields() + " not in " + l.programs()));
            assertThat(p.problems()).isEmpty();
            assertThat(p.typeValue()).isEqualTo(Integer.parseInt(progFd.fields().get("prog_type")));
            assertThat(p.type()).isEqualTo("socket_filter");
            assertThat(p.tag()).isEqualTo(progFd.fields().get("prog_tag"));
            assertThat(p.name()).isEqualTo("chirp_filter");
            assertThat(p.holders()).contains(new BpfObjects.Holder(progFd.pid(), "chirp-kobjects", progFd.fd()));
            assertThat(p.attachedTo()).anyMatch(a -> a.startsWith("socket:[") && a.endsWith(progFd.pid() + "/chirp-kobjects"));
            assertThat(p.loadSeconds()).isPositive().isLessThan(truth.uptime().orElseThrow());

            BpfObjects.BpfMap m = l.maps().stream()
                    .filter(x -> x.id() == Integer.parseInt(mapFd.fields().get("map_id"))).findFirst().orElseThrow();
            assertThat(m.problems()).isEmpty();
            assertThat(m.typeValue()).isEqualTo(Integer.parseInt(mapFd.fields().get("map_type")));
            assertThat(m.type()).isEqualTo("array");
            assertThat(m.name()).isEqualTo("chirp_map");
            assertThat(m.keySize()).isEqualTo(Long.parseLong(mapFd.fields().get("key_size")));
            assertThat(m.valueSize()).isEqualTo(Long.parseLong(mapFd.fields().get("value_size")));
            assertThat(m.maxEntries()).isEqualTo(Long.parseLong(mapFd.fields().get("max_entries")));
            assertThat(m.holders()).contains(new BpfObjects.Holder(mapFd.pid(), "chirp-kobjects", mapFd.fd()));
            assertThat(p.mapIds()).containsExactly(m.id());

            // every program and map the guest's processes hold is listed, by id
            assertThat(l.programs()).extracting(BpfObjects.Program::id).containsAll(fds.stream()
                    .filter(f -> f.fields().containsKey("prog_id")).map(f -> Integer.parseInt(f.fields().get("prog_id"))).toList());
        }
    }

    @Test
    void wallClockIsTheGuestsOwnDateAndUptime(LabGuest g) {
        GroundTruth truth = g.groundTruth();
        double reportedBoot = truth.date().orElseThrow() - truth.uptime().orElseThrow();
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            KernelClock c = KernelClock.read(k);
            // date and /proc/uptime were printed within a second of each other; date has whole seconds
            assertThat(c.boot().getEpochSecond() + c.boot().getNano() / 1e9).isCloseTo(reportedBoot, within(2.5));
            // the guest's clock was set from QEMU's RTC (the host's UTC) at boot; TCG keeps it near the host's
            assertThat((double) c.nowSeconds()).isCloseTo(java.time.Instant.now().getEpochSecond(), within(300.0));
            LinuxProcess init = new Processes(k).list(false, false).processes().stream().filter(p -> p.tgid() == 1)
                    .findFirst().orElseThrow();
            assertThat(c.monotonic(init.startSeconds())).isBetween(c.boot(), c.boot().plusSeconds(60));
        }
    }

    @Test
    void capabilitiesAndTracersAreTheGuestsStatusLines(LabGuest g) {
        GroundTruth truth = g.groundTruth();
        Map<Integer, GroundTruth.TaskStatus> status = truth.taskStatus().stream()
                .collect(Collectors.toMap(GroundTruth.TaskStatus::pid, s -> s));
        try (LiveVm live = Guests.live(g)) {
            Privileges.Listing l = new Privileges(LinuxKernel.attach(live.memory(), live.registers())).list(false);
            assertThat(l.complete()).as("%s", l.problems()).isTrue();
            int compared = 0;
            for (Privileges.Entry e : l.entries()) {
                GroundTruth.TaskStatus s = status.get(e.process().tgid());
                if (s == null) continue; // a process that started after the report
                assertThat(e.problems()).as("pid %d", s.pid()).isEmpty();
                assertThat(List.of(e.inheritable(), e.permitted(), e.effective(), e.bounding(), e.ambient()))
                        .as("capabilities of pid %d", s.pid())
                        .containsExactly(s.inheritable(), s.permitted(), s.effective(), s.bounding(), s.ambient());
                assertThat(e.tracer()).as("tracer of pid %d", s.pid()).isEqualTo(s.tracerPid());
                compared++;
            }
            assertThat(compared).isGreaterThan(5);

            Privileges.Entry loader = l.entries().stream().filter(e -> e.process().comm().equals("chirp-kobjects")
                    && e.tracer() == 0).findFirst().orElseThrow();
            assertThat(Privileges.names(loader.bounding())).doesNotContain("sys_module").contains("sys_admin", "bpf");
            Privileges.Entry traced = l.entries().stream().filter(e -> e.tracer() == loader.process().tgid())
                    .findFirst().orElseThrow(() -> new AssertionError("the traced child is not found"));
            assertThat(traced.process().ppid()).isEqualTo(loader.process().tgid());
            assertThat(loader.tracees()).containsExactly(traced.process().pid());
        }
    }
}
