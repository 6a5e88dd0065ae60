package io.chirp.linux.integrity;

import io.chirp.arch.Branch;
import io.chirp.arch.X86Decoder;
import io.chirp.core.VirtAddr;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.qemu.GdbRemote;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.ModuleInfo;
import io.chirp.linux.Modules;
import io.chirp.linux.Processes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tampers with a private guest from the host, through the gdbstub, the way rootkits do (list_del on the module and
 * task lists, overwritten system call pointers and call targets, a cred patched to uid 0), and checks that CHIRP
 * reports each. Each test changes something different, so they hold in any order.
 *
 * <p>The guest is booted here rather than through {@code @WithLabGuest(shared = false)}: that extension keys its
 * private guests like the shared one, and JUnit stores inherit from the root, so a "private" guest requested after
 * the shared one boots IS the shared one, and tampering would break every other test.
 */
class IntegrityTamperIT {
    private static LabGuest g;
    private static LiveVm live;
    private static LinuxKernel k;

    @BeforeAll
    static void boot() {
        g = Lab.fromEnvironment().boot(Lab.Options.defaults());
        live = LiveVm.attach(new VmInventory().find(g.name()));
        k = LinuxKernel.attach(live.memory(), live.registers());
    }

    @AfterAll
    static void stop() {
        try {
            if (live != null) live.close();
        } finally {
            if (g != null) g.close();
        }
    }

    @Test
    void moduleUnlinkedFromTheModuleListIsReportedHidden() {
        Modules mods = new Modules(k);
        ModuleInfo crc16 = mods.list().modules().stream().filter(m -> m.name().equals("crc16")).findFirst().orElseThrow();
        unlink(crc16.address() + k.layout().offset("module", "list"));

        // the guest's own view loses it (short output: the lab console stalls on long ones under TCG)
        assertThat(g.shell("grep -c '^crc16 ' /proc/modules; grep -c '^ext4 ' /proc/modules", Duration.ofSeconds(30))
                .lines().toList()).containsExactly("0", "1");
        assertThat(mods.list().modules()).extracting(ModuleInfo::name).doesNotContain("crc16");
        List<IntegrityFinding> found = new IntegrityCheck(k, live.registers()).run(java.util.Set.of("hidden_modules"))
                .findings();
        assertThat(found).singleElement().isInstanceOfSatisfying(IntegrityFinding.HiddenModule.class, h -> {
            assertThat(h.name()).isEqualTo("crc16");
            assertThat(h.module()).isEqualTo(crc16.address());
            assertThat(h.seenIn()).containsExactlyInAnyOrder("sysfs", "memory");
            assertThat(h.severity()).isEqualTo(IntegrityFinding.Severity.CRITICAL);
        });
    }

    @Test
    void processUnlinkedFromTheTaskListIsReportedHidden() {
        GroundTruth.Process miner = g.groundTruth().processes().stream().filter(p -> p.comm().equals("evil_miner"))
                .findFirst().orElseThrow();
        Processes ps = new Processes(k);
        LinuxProcess p = ps.list(false, false).processes().stream().filter(x -> x.pid() == miner.pid())
                .findFirst().orElseThrow();
        unlink(p.task() + k.layout().offset("task_struct", "tasks"));

        assertThat(ps.list(false, false).processes()).extracting(LinuxProcess::pid).doesNotContain(miner.pid());
        IntegrityReport rep = new IntegrityCheck(k, live.registers()).run(java.util.Set.of("hidden_processes"));
        assertThat(rep.findings()).singleElement().isInstanceOfSatisfying(IntegrityFinding.HiddenProcess.class, h -> {
            assertThat(h.pid()).isEqualTo(miner.pid());
            assertThat(h.comm()).isEqualTo("evil_miner");
            assertThat(h.task()).isEqualTo(p.task());
            assertThat(h.seenIn()).contains("pid");
        });
    }

    @Test
    void overwrittenTableEntryAndDispatchCallAreBothReported() {
        long table = k.symbol("sys_call_table");
        long vhangup = k.symbol("__x64_sys_vhangup");
        int nr = -1;
        for (int i = 0; i < 512 && nr < 0; i++) if (k.reader().u64(table + 8L * i) == vhangup) nr = i;
        assertThat(nr).as("vhangup's slot").isNotNegative();
        // somewhere a rootkit would put its code: module memory, outside kernel text
        ModuleInfo failover = new Modules(k).list().modules().stream().filter(m -> m.name().equals("failover"))
                .findFirst().orElseThrow();
        long evil = failover.base() + 0x40;
        write(table + 8L * nr, le64(evil));

        // the real dispatcher: retarget its rel32 branch to __x64_sys_kcmp
        long start = k.symbol("x64_sys_call");
        byte[] code = k.reader().bytes(start, 8192);
        long kcmp = k.symbol("__x64_sys_kcmp");
        Branch site = X86Decoder.sweep(code, start).branches().stream()
                .filter(b -> b.target() == kcmp && b.length() == 5).findFirst().orElseThrow();
        write(site.site() + 1, le32((int) (evil - (site.site() + 5))));

        IntegrityReport rep = new IntegrityCheck(k, live.registers())
                .run(java.util.Set.of("syscall_table", "syscall_dispatch", "inline_hooks"));
        int slot = nr;
        assertThat(rep.section("syscall_table").orElseThrow().findings()).singleElement()
                .isInstanceOfSatisfying(IntegrityFinding.SyscallTableEntry.class, f -> {
                    assertThat(f.nr()).isEqualTo(slot);
                    assertThat(f.target()).isEqualTo(evil);
                    assertThat(f.targetName()).startsWith("[failover]");
                });
        assertThat(rep.section("syscall_dispatch").orElseThrow().findings()).singleElement()
                .isInstanceOfSatisfying(IntegrityFinding.DispatchTarget.class, f -> {
                    assertThat(f.site()).isEqualTo(site.site());
                    assertThat(f.target()).isEqualTo(evil);
                    assertThat(f.severity()).isEqualTo(IntegrityFinding.Severity.CRITICAL);
                });
        // the guest still runs system calls fine
        assertThat(g.shell("echo alive", Duration.ofSeconds(30))).contains("alive");
    }

    @Test
    void rootWrittenIntoACredIsReported() {
        GroundTruth.Process alice = g.groundTruth().processes().stream().filter(p -> p.comm().equals("kworkerd"))
                .findFirst().orElseThrow();
        LinuxProcess p = new Processes(k).list(false, false).processes().stream()
                .filter(x -> x.pid() == alice.pid()).findFirst().orElseThrow();
        assertThat(p.uid()).isEqualTo(1000);
        Layout l = k.layout();
        write(p.cred() + l.offset("cred", "uid"), le32(0));
        write(p.cred() + l.offset("cred", "euid"), le32(0));

        assertThat(g.shell("grep Uid /proc/" + alice.pid() + "/status", Duration.ofSeconds(30))).contains("Uid:\t0\t0");
        IntegrityReport rep = new IntegrityCheck(k, live.registers()).run(java.util.Set.of("credentials"));
        assertThat(rep.findings()).singleElement().isInstanceOfSatisfying(IntegrityFinding.ElevatedCredentials.class, f -> {
            assertThat(f.pid()).isEqualTo(alice.pid());
            assertThat(f.comm()).isEqualTo("kworkerd");
            assertThat(f.uid()).isZero();
            assertThat(f.reason()).contains("user_struct is uid 1000");
        });
    }

    @Test
    void kprobeAndFtraceHooksAreListedWithTheirOwners() {
        g.shell("mount -t tracefs nodev /sys/kernel/tracing", Duration.ofSeconds(30));
        g.shell("echo 'p:chirp __x64_sys_getppid' > /sys/kernel/tracing/kprobe_events", Duration.ofSeconds(30));
        g.shell("echo 1 > /sys/kernel/tracing/events/kprobes/chirp/enable", Duration.ofSeconds(60));
        long target = k.symbol("__x64_sys_getppid");

        IntegrityReport rep = new IntegrityCheck(k, live.registers()).run(java.util.Set.of("kprobes", "ftrace", "inline_hooks"));
        assertThat(rep.section("kprobes").orElseThrow().findings()).singleElement()
                .isInstanceOfSatisfying(IntegrityFinding.Kprobe.class, f -> {
                    assertThat(f.address()).isEqualTo(target);
                    assertThat(f.preHandler()).isEqualTo("kprobe_dispatcher");
                    assertThat(f.owner()).isEqualTo("kernel");
                    assertThat(f.severity()).isEqualTo(IntegrityFinding.Severity.INFO);
                });
        assertThat(rep.section("ftrace").orElseThrow().findings()).singleElement()
                .isInstanceOfSatisfying(IntegrityFinding.FtraceOps.class, f -> assertThat(f.func()).isEqualTo("kprobe_ftrace_handler"));
        // kprobes on a function entry go through ftrace: the entry's nop5 became a call to a trampoline
        assertThat(rep.section("inline_hooks").orElseThrow().findings())
                .filteredOn(f -> f instanceof IntegrityFinding.FtraceHooked)
                .singleElement().isInstanceOfSatisfying(IntegrityFinding.FtraceHooked.class, f -> {
                    assertThat(f.function()).isEqualTo("__x64_sys_getppid");
                    assertThat(f.owner()).contains("kprobe_ftrace_handler");
                });
    }

    /** list_del without the poisoning: the neighbours skip the entry, the entry still points at them. */
    private static void unlink(long entry) {
        long next = k.reader().u64(entry), prev = k.reader().u64(entry + 8);
        try (GdbRemote gdb = GdbRemote.connect("127.0.0.1", g.gdbPort())) {
            gdb.physicalMode(true);
            gdb.writeMemory(phys(prev), le64(next));
            gdb.writeMemory(phys(next + 8), le64(prev));
        }
    }

    /** Writes guest memory at a kernel virtual address, physically: kernel text and rodata are read-only. */
    private static void write(long va, byte[] data) {
        try (GdbRemote gdb = GdbRemote.connect("127.0.0.1", g.gdbPort())) {
            gdb.physicalMode(true);
            gdb.writeMemory(phys(va), data);
        }
    }

    private static long phys(long va) { return k.kernelSpace().physical(new VirtAddr(va)).value(); }

    private static byte[] le64(long v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }

    private static byte[] le32(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }
}
