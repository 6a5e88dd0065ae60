package io.chirp.linux.carve;

import io.chirp.core.VirtAddr;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.qemu.GdbRemote;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * psscan on the standard lab guest: processes that exited in the guest are carved from the task_struct slab with
 * the pids the guest's own shell printed for them, every long-lived process of the guest's ground truth is carved
 * and listed, and a process unlinked from the task list the way rootkits do (written from the host through the
 * gdbstub) is carved as hidden, with its command line and executable.
 */
@WithLabGuest
class PsScanIT {
    /** One pid as the guest prints it, after squeezing: each digit followed by '_'. */
    private static final java.util.regex.Pattern PID = java.util.regex.Pattern.compile("zpid=((?:[0-9]_)+)");

    @Test
    void exitedAndHiddenProcessesAreCarved(LabGuest g) {
        // 30 short-lived processes with a name nothing else has; the guest says which pids they had
        // Under load the serial log may double a byte. Each digit is printed followed by '_', so no two characters
        // of the answer are alike next to each other and collapsing repeated characters restores it exactly.
        Set<Integer> started = g.shell("cp /bin/busybox /tmp/zzcarve; for i in $(seq 30); do /tmp/zzcarve true & "
                        + "echo zzpid=$(echo $! | sed 's/./&_/g'); wait $!; done", Duration.ofSeconds(180)).lines()
                // found anywhere in a line: CI saw the first answer glued to other output ("zzcarvezzpid=1_0_5_0_")
                .flatMap(l -> PID.matcher(LabGuest.squeeze(l))
                        .results().map(m -> m.group(1)))
                .map(d -> Integer.parseInt(d.replace("_", "")))
                .collect(Collectors.toSet());
        assertThat(started).hasSize(30);

        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            TaskCarver.Result r = new TaskCarver(k).carve();
            assertThat(r.complete()).as(r.problem()).isTrue();
            assertThat(r.slabs()).isPositive();

            List<CarvedTask> exited = r.tasks().stream().filter(t -> t.comm().equals("zzcarve")).toList();
            assertThat(exited).as("exited zzcarve tasks still in slab memory").isNotEmpty()
                    .allSatisfy(t -> {
                        assertThat(t.status()).isEqualTo(CarvedTask.Status.EXITED);
                        assertThat(started).contains(t.pid());
                        assertThat(t.inPidTable()).isFalse();
                        assertThat(t.state()).isEqualTo("X");
                    });
            Set<Integer> listed = new Processes(k).list(false, false).processes().stream().map(LinuxProcess::tgid)
                    .collect(Collectors.toSet());
            assertThat(listed).doesNotContainAnyElementsOf(exited.stream().map(CarvedTask::pid).toList());

            // every long-lived process of the guest's own ground truth is carved, as listed
            Set<Integer> carvedListed = r.tasks().stream().filter(t -> t.status() == CarvedTask.Status.LISTED)
                    .map(CarvedTask::tgid).collect(Collectors.toSet());
            assertThat(carvedListed).containsAll(g.groundTruth().processes().stream().map(GroundTruth.Process::pid)
                    .filter(listed::contains).toList());
            assertThat(r.tasks()).noneMatch(t -> t.status() == CarvedTask.Status.HIDDEN);

            // a rootkit unlinks the miner from the task list: psscan still finds it, alive and hidden
            LinuxProcess miner = new Processes(k).list(false, false).processes().stream()
                    .filter(p -> p.comm().equals("evil_miner")).findFirst().orElseThrow();
            try (GdbRemote gdb = GdbRemote.connect("127.0.0.1", g.gdbPort())) {
                gdb.physicalMode(true);
                long entry = miner.task() + k.layout().offset("task_struct", "tasks");
                long next = k.reader().u64(entry), prev = k.reader().u64(entry + 8);
                gdb.writeMemory(phys(k, prev), le64(next));
                gdb.writeMemory(phys(k, next + 8), le64(prev));
            }
            assertThat(new Processes(k).leaders().items()).doesNotContain(miner.task());
            List<CarvedTask> hidden = new TaskCarver(k).carve().tasks().stream()
                    .filter(t -> t.status() == CarvedTask.Status.HIDDEN).toList();
            assertThat(hidden).singleElement().satisfies(t -> {
                assertThat(t.pid()).isEqualTo(miner.tgid());
                assertThat(t.task()).isEqualTo(miner.task());
                assertThat(t.inPidTable()).isTrue();
                assertThat(t.cmdline()).isEqualTo("sleep 100000");
                assertThat(t.exe()).isEqualTo("/tmp/evil_miner");
            });
        }
    }

    private static long phys(LinuxKernel k, long va) { return k.kernelSpace().physical(new VirtAddr(va)).value(); }

    private static byte[] le64(long v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }
}
