package io.chirp.linux;

import io.chirp.guest.Guest;
import io.chirp.guest.GuestOs;
import io.chirp.guest.GuestOses;
import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.integrity.IntegrityCheck;
import io.chirp.linux.integrity.IntegrityFinding;
import io.chirp.linux.integrity.IntegrityReport;
import io.chirp.linux.fs.Mounts;
import io.chirp.linux.fs.OpenFiles;
import io.chirp.linux.log.KernelLog;
import io.chirp.linux.mm.MemoryMaps;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A representative subset of CHIRP's views on the kernels besides the default (Debian 6.1 generic, which every
 * other IT uses): the guest OS detected and attached from memory alone (through {@link GuestOses}, as the CLI does),
 * processes, modules, sockets, open files, memory maps, mounts and the kernel log against the guest's own ground
 * truth, and a clean integrity report. Zero configuration: nothing here is told which kernel it reads.
 * One guest per kernel, torn down when its class ends.
 */
class OtherKernelsIT {

    abstract static class Views {
        @Test
        void kernelIsFoundFromAQemuDumpAloneAndProcessesMatch(LabGuest g, @TempDir Path dir) throws Exception {
            try (MemoryImage img = MemoryImages.open(Guests.qemuDump(g, dir))) {
                // the CLI's path: the installed guest OSes (ServiceLoader), Linux detected by its banner, then attached
                GuestOs linux = GuestOses.installed().stream().filter(o -> o.name().equals("linux")).findFirst().orElseThrow();
                assertThat(linux.detect(img.memory(), List.of())).hasValueSatisfying(d ->
                        assertThat(d.evidence()).startsWith("\"Linux version \" at physical 0x"));
                Guest guest = GuestOses.attach(img.memory(), List.of());
                LinuxKernel k = guest.as(LinuxKernel.class).orElseThrow();
                assertThat(guest.version()).isEqualTo(k.info().banner());
                // resolved once at attach: no variant this kernel needs is unknown
                assertThat(guest.capabilities()).extracting(Guest.Capability::value).doesNotContain("none");
                boolean v612 = g.groundTruth().kernelRelease().startsWith("6.12");
                assertThat(k.features().mounts()).isEqualTo(v612 ? KernelFeatures.MountTree.RBTREE : KernelFeatures.MountTree.LIST);
                assertThat(k.features().moduleMemory()).isEqualTo(v612 ? KernelFeatures.ModuleMemory.MODULE_MEMORY : KernelFeatures.ModuleMemory.CORE_LAYOUT);
                assertThat(k.features().vmas()).isEqualTo(KernelFeatures.Vmas.MAPLE_TREE);
                assertThat(k.features().syscalls()).isEqualTo(KernelFeatures.SyscallDispatch.TABLE_AND_SWITCH);
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

                checkSockets(new Sockets(k).list(), gt);
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

        /** lsof, maps, mounts and dmesg, each against what the guest itself says. */
        @Test
        void filesMapsMountsAndKernelLogMatchTheGuest(LabGuest g) {
            GroundTruth gt = g.groundTruth();
            try (LiveVm live = Guests.live(g)) {
                LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
                OpenFiles.Listing files = new OpenFiles(k).list();
                assertThat(files.complete()).as("%s", files.problems()).isTrue();
                OpenFilesIT.check(files.files(), gt);

                Mounts.Listing mounts = new Mounts(k).list();
                assertThat(mounts.complete()).as(mounts.problem()).isTrue();
                MountsIT.check(mounts.mounts(), gt);

                // the scenario's idle processes, which init started and which live for the whole test: their maps do
                // not change between the guest's read and ours (a beacon's sleep may be mid-exit, its maps torn down)
                MemoryMaps maps = new MemoryMaps(k);
                java.util.Set<Integer> longLived = gt.processes().stream()
                        .filter(p -> p.pid() > 2 && p.ppid() == 1 && !p.args().equals("/bin/sleep 5"))
                        .map(GroundTruth.Process::pid).collect(Collectors.toSet());
                List<LinuxProcess> chosen = MemoryMapsIT.chosen(new Processes(k).list(false, false).processes()).stream()
                        .filter(p -> longLived.contains(p.pid())).toList();
                assertThat(chosen).hasSizeGreaterThanOrEqualTo(3);
                for (LinuxProcess p : chosen) {
                    MemoryMaps.Listing l = maps.of(p);
                    assertThat(l.complete()).as("pid %s: %s", p.pid(), l.problems()).isTrue();
                    assertThat(MemoryMapsIT.lines(l)).as("maps of pid %s (%s)", p.pid(), p.comm())
                            .isEqualTo(MemoryMapsIT.procMaps(g, p.pid()));
                }

                // dmesg's lines, in order, in ours (a marker written now proves the ring is read live)
                // one round trip: a loaded host stalls the guest's serial console for a minute or more
                // The kernel prints its own messages on the same serial console, and one arriving meanwhile ("random:
                // crng init done" on rt) lands in the middle of a transcript line: the console log level goes to 1
                // first (only emergencies reach the console; the ring buffer, which both sides read, is unchanged).
                List<String> dmesg = GuestShell.run(g, "echo 1 > /proc/sys/kernel/printk; echo '<7>chirp-kernels-marker' > /dev/kmsg; dmesg",
                                Duration.ofMinutes(4)).lines()
                        .filter(l -> l.matches("^\\[\\s*\\d+\\.\\d{6}] .*"))
                        .map(l -> KernelReader.decode(l.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
                        .distinct().toList(); // a line the console transcript repeats is one record (µs timestamps)
                KernelLog.Listing log = new KernelLog(k).read();
                assertThat(log.complete()).as(log.problem()).isTrue();
                List<String> ours = log.records().stream().flatMap(r -> r.dmesgLines().stream()).toList();
                assertThat(dmesg).hasSizeGreaterThan(50);
                assertThat(dmesg.getLast()).endsWith("] chirp-kernels-marker");
                // Every line dmesg printed is in ours, in the same order. The serial link under load sometimes
                // mangles a line on the way (QEMU doubles a byte: "[[ 0.000000] ..." no longer parses), so ours may
                // hold a few lines the transcript lost, never more than three, and each is named if it fails.
                int at = ours.indexOf(dmesg.getFirst());
                assertThat(at).as("dmesg's first line %s is in our log", dmesg.getFirst()).isNotNegative();
                List<String> extra = new java.util.ArrayList<>();
                for (String line : dmesg) {
                    int next = ours.subList(at, ours.size()).indexOf(line);
                    assertThat(next).as("dmesg line %s is in our log after line %s", line, at).isNotNegative();
                    extra.addAll(ours.subList(at, at + next));
                    at += next + 1;
                }
                assertThat(extra).as("lines of ours that dmesg's transcript lacks").hasSizeLessThanOrEqualTo(3);
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
         * Every long-lived user-space process must be compared field by field: the scenario's, which init (pid 1)
         * started, as {@link ProcessesIT#check} defines them (it fails if one is missing). Kernel threads are
         * compared when their names agree, but /proc shows workqueue workers under longer names than task->comm
         * ("kworker/R-kintegrityd"), and 6.12 has many of them.
         *
         * <p>This once counted every process whose parent was not kthreadd. That is more than check() requires or
         * can compare: any short-lived process alive when the guest wrote its report (a kernel usermode helper is a
         * child of a kworker, a beacon's child of its shell) raised the minimum without being long-lived, the likely
         * cause of the one 6.12 generic failure (45 counted, 30 compared; its log was not kept, so not proven). The
         * failure message now lists what was not compared.
         */
        static int minCompared(GroundTruth gt) {
            return (int) gt.processes().stream()
                    .filter(p -> p.pid() > 2 && p.ppid() == 1 && !p.args().equals("/bin/sleep 5")).count();
        }

        /** /proc/modules: "name size refcount deps, state address"; cloud kernels load only a handful. */
        /** The standard scenario's listener and beacon, and every TCP listener of the ground truth, with its inode. */
        static void checkSockets(Sockets.Listing ss, GroundTruth gt) {
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

    /* 6.12 generic failed once (45 processes counted, 30 compared): see minCompared for what the count was. */
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
