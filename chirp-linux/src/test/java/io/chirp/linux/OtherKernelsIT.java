package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.integrity.IntegrityCheck;
import io.chirp.linux.integrity.IntegrityFinding;
import io.chirp.linux.integrity.IntegrityReport;
import io.chirp.linux.net.LinuxSocket;
import io.chirp.linux.net.Sockets;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import io.chirp.symbols.isf.IsfReader;
import io.chirp.symbols.isf.IsfWriter;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A representative subset of CHIRP's views on the kernels besides the default (Debian 6.1 generic, which every
 * other IT uses): the kernel found from memory alone, processes, modules and sockets against the guest's own
 * ground truth, and a clean integrity report. Zero configuration: nothing here is told which kernel it reads.
 * One guest per kernel, torn down when its class ends.
 */
class OtherKernelsIT {

    abstract static class Views {
        @Test
        void kernelIsFoundFromAQemuDumpAloneAndProcessesMatch(LabGuest g, @TempDir Path dir) throws Exception {
            try (MemoryImage img = MemoryImages.open(Guests.qemuDump(g, dir))) {
                LinuxKernel k = LinuxKernel.attach(img.memory(), List.of());
                assertThat(k.info().banner()).startsWith("Linux version " + g.groundTruth().kernelRelease() + " ");
                assertThat(k.symbol("init_task")).isEqualTo(g.groundTruth().kallsyms().get("init_task"));
                Processes.Listing l = new Processes(k).list(false, true);
                assertThat(l.walk().complete()).as(l.walk().problem()).isTrue();
                ProcessesIT.check(l.processes(), g.groundTruth(), minCompared(g.groundTruth()));
            }
        }

        @Test
        void liveProcessesModulesAndSocketsMatchTheGroundTruth(LabGuest g) {
            GroundTruth gt = g.groundTruth();
            try (LiveVm live = Guests.live(g)) {
                LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
                Processes.Listing ps = new Processes(k).list(false, true);
                assertThat(ps.walk().complete()).as(ps.walk().problem()).isTrue();
                ProcessesIT.check(ps.processes(), gt, minCompared(gt));

                Modules.Listing ms = new Modules(k).list();
                assertThat(ms.walk().complete()).as(ms.walk().problem()).isTrue();
                checkModules(ms.modules(), gt.section("modules"));

                Sockets.Listing ss = new Sockets(k).list();
                assertThat(ss.complete()).as("%s", ss.problems()).isTrue();
                assertThat(ss.sockets()).anySatisfy(s -> {
                    assertThat(s.protocol()).startsWith("tcp"); // busybox nc listens on :: (tcp6)
                    assertThat(s.localPort()).isEqualTo(4444);
                    assertThat(s.state()).isEqualTo("LISTEN");
                });
                assertThat(ss.sockets()).anySatisfy(s -> {
                    assertThat(s.remoteText()).isEqualTo("10.0.2.100:8000");
                    assertThat(s.state()).isEqualTo("ESTABLISHED");
                    assertThat(s.owners()).isNotEmpty();
                });
                // every TCP socket /proc/net/tcp listed at boot that still exists is seen, with its inode
                List<Long> ours = ss.sockets().stream().map(LinuxSocket::inode).toList();
                for (GroundTruth.Socket s : gt.sockets()) {
                    if (s.table().startsWith("tcp") && s.state() == 0x0A) assertThat(ours).contains(s.inode());
                }
            }
        }

        @Test
        void exportedIsfReadsBackWithTheGuestsSymbolsAndTypes(LabGuest g) {
            try (LiveVm live = Guests.live(g)) {
                LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
                IsfWriter.Export export = IsfWriter.export(k.info(), live.memory());
                assertThat(export.warnings()).as("every declared data symbol checks out on this kernel").isEmpty();
                IsfReader.Isf isf = IsfReader.fromJson(export.isf());
                assertThat(isf.banner()).contains(k.info().banner());
                // the ISF holds link-time addresses: slid back, they are where /proc/kallsyms says
                for (String sym : List.of("init_task", "linux_banner", "sys_call_table")) {
                    assertThat(isf.symbols().address(sym) + k.info().virtSlide()).as(sym)
                            .isEqualTo(g.groundTruth().kallsyms().get(sym));
                }
                for (String struct : List.of("task_struct", "module", "sock", "mm_struct")) {
                    assertThat(isf.types().struct(struct).size()).as(struct).isEqualTo(k.types().struct(struct).size());
                }
            }
        }

        @Test
        void cleanGuestHasNoFindings(LabGuest g) {
            try (LiveVm live = Guests.live(g)) {
                LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
                IntegrityReport rep = new IntegrityCheck(k, live.registers()).run(java.util.Set.copyOf(IntegrityCheck.INTEGRITY));
                assertThat(rep.sections()).extracting(IntegrityReport.Section::check)
                        .containsExactlyElementsOf(IntegrityCheck.INTEGRITY);
                for (IntegrityReport.Section s : rep.sections()) {
                    assertThat(s.complete()).as("%s: %s", s.check(), s.problems()).isTrue();
                }
                assertThat(rep.findings(IntegrityFinding.Severity.WARNING)).isEmpty();
                // both system-call mechanisms are checked: the table, and x64_sys_call's direct branches
                assertThat(rep.section("syscall_table").orElseThrow().examined()).isBetween(400, 1000);
                assertThat(rep.section("syscall_dispatch").orElseThrow().examined()).isGreaterThan(300);
                assertThat(rep.section("idt").orElseThrow().examined()).isEqualTo(256);
            }
        }

        /**
         * Every long-lived user-space process must be compared field by field. Kernel threads are compared when
         * their names agree, but /proc shows workqueue workers under longer names than task->comm
         * ("kworker/R-kintegrityd"), and 6.12 has many of them.
         */
        static int minCompared(GroundTruth gt) {
            return (int) gt.processes().stream()
                    .filter(p -> p.pid() > 2 && p.ppid() != 2 && !p.args().equals("/bin/sleep 5")).count();
        }

        /** /proc/modules: "name size refcount deps, state address"; cloud kernels load only a handful. */
        static void checkModules(List<ModuleInfo> ours, List<String> procModules) {
            assertThat(procModules).isNotEmpty();
            Map<String, ModuleInfo> byName = ours.stream().collect(Collectors.toMap(ModuleInfo::name, Function.identity()));
            assertThat(byName.keySet()).containsExactlyInAnyOrderElementsOf(
                    procModules.stream().map(l -> l.split(" ")[0]).toList());
            for (String line : procModules) {
                String[] f = line.split(" ");
                ModuleInfo m = byName.get(f[0]);
                assertThat(m.problems()).as(f[0]).isEmpty();
                assertThat(m.size()).as("size of %s", f[0]).isEqualTo(Long.parseLong(f[1]));
                assertThat(m.refcount()).as("refcount of %s", f[0]).isEqualTo(Integer.parseInt(f[2]));
                assertThat(m.state()).isEqualTo(f[4].toUpperCase());
                assertThat(m.base()).as("base of %s", f[0]).isEqualTo(Long.parseUnsignedLong(f[5].substring(2), 16));
            }
        }
    }

    @Nested
    @WithLabGuest(kernel = "linux-image-cloud-amd64", shared = false)
    class Debian61Cloud extends Views {}

    @Nested
    @WithLabGuest(kernel = "linux-image-rt-amd64", shared = false)
    class Debian61Rt extends Views {}

    /*
     * 6.12 generic failed once here (both process tests in one boot: the ground truth listed 45 long-lived user-space
     * processes, 30 were compared; a normal boot has 12) and passed on the next two. Not yet diagnosed: a guest whose
     * /proc/PID/stat read went wrong under load, or a CHIRP bug. The README's kernel matrix records it.
     */
    @Nested
    @WithLabGuest(kernel = "linux-image-6.12-amd64", shared = false)
    class Debian612Generic extends Views {}

    @Nested
    @WithLabGuest(kernel = "linux-image-6.12-cloud-amd64", shared = false)
    class Debian612Cloud extends Views {}

    @Nested
    @WithLabGuest(kernel = "linux-image-6.12-rt-amd64", shared = false)
    class Debian612Rt extends Views {}
}
