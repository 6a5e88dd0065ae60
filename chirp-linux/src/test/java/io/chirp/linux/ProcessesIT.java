package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class ProcessesIT {

    @Test
    void liveProcessListMatchesTheGuestsOwnView(LabGuest g) {
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            Processes.Listing l = new Processes(k).list(false, true);
            assertThat(l.walk().complete()).as(l.walk().problem()).isTrue();
            check(l.processes(), g.groundTruth());
        }
    }

    @Test
    void processListFromAQemuDumpMatchesToo(LabGuest g, @TempDir Path dir) throws Exception {
        Path dump = Guests.qemuDump(g, dir);
        try (MemoryImage img = MemoryImages.open(dump)) {
            // no registers used: the kernel is found from memory alone
            LinuxKernel k = LinuxKernel.attach(img.memory(), List.of());
            Processes.Listing l = new Processes(k).list(false, true);
            assertThat(l.walk().complete()).isTrue();
            check(l.processes(), g.groundTruth());
        }
    }

    @Test
    void threadsAndEnvironmentAreRead(LabGuest g) {
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            Processes ps = new Processes(k);
            List<LinuxProcess> withThreads = ps.list(true, false).processes();
            assertThat(withThreads).anySatisfy(p -> assertThat(p.pid()).isEqualTo(1));
            assertThat(withThreads).allSatisfy(p -> assertThat(p.tgid()).isNotNegative());
            LinuxProcess init = withThreads.stream().filter(p -> p.pid() == 1).findFirst().orElseThrow();
            assertThat(ps.environment(init)).anySatisfy(e -> assertThat(e).startsWith("HOME="));
        }
    }

    static void check(List<LinuxProcess> ours, GroundTruth gt) { check(ours, gt, 41); }

    /** @param minCompared how many processes must be compared field by field (cloud kernels run fewer threads) */
    static void check(List<LinuxProcess> ours, GroundTruth gt, int minCompared) {
        Map<Integer, LinuxProcess> byPid = ours.stream().collect(Collectors.toMap(LinuxProcess::pid, Function.identity()));
        // Every process that lived through the report and is still there must match field by field.
        int compared = 0;
        for (GroundTruth.Process p : gt.processes()) {
            LinuxProcess o = byPid.get(p.pid());
            // Scenario processes and the first two tasks live for the whole test; kernel threads and the beacon's
            // children may come and go (ext4lazyinit finishes, kworkers are recycled).
            boolean longLived = (p.ppid() == 1 && !p.args().equals("/bin/sleep 5")) || p.pid() <= 2;
            if (o == null) {
                assertThat(longLived).as("process %s (%s) is missing", p.pid(), p.comm()).isFalse();
                continue;
            }
            if (!o.comm().equals(p.comm())) continue; // pid reused by a short-lived process since the report
            compared++;
            assertThat(o.ppid()).as("ppid of %s", p.pid()).isEqualTo(p.ppid());
            assertThat(o.uid()).as("uid of %s", p.pid()).isEqualTo(p.uid());
            assertThat(o.cmdline() == null ? "" : o.cmdline()).as("cmdline of %s", p.pid()).isEqualTo(p.args());
        }
        assertThat(compared).isGreaterThanOrEqualTo(minCompared);
        LinuxProcess miner = ours.stream().filter(p -> p.comm().equals("evil_miner")).findFirst().orElseThrow();
        assertThat(miner.cmdline()).isEqualTo("sleep 100000");
        assertThat(miner.exe()).isEqualTo("/tmp/evil_miner");
        LinuxProcess alice = ours.stream().filter(p -> p.comm().equals("kworkerd")).findFirst().orElseThrow();
        assertThat(alice.uid()).isEqualTo(1000);
        assertThat(alice.kernelThread()).isFalse();
        assertThat(ours.stream().filter(p -> p.pid() == 2).findFirst().orElseThrow().kernelThread()).isTrue();
    }
}
