package io.chirp.linux;

import io.chirp.core.VirtAddr;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.qemu.GdbRemote;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rootkit's one 8-byte write into the task list or the module list must not blind pslist or lsmod. A private guest
 * is paused (a gdb client is attached: QEMU stops the VM meanwhile, so its own kernel never runs over the bad
 * pointer), the reference listing is taken, a link is pointed at unmapped memory through the gdbstub, CHIRP lists
 * again, and the link is restored before the guest runs on.
 *
 * <p>The guest is booted here rather than through {@code @WithLabGuest}: see IntegrityTamperIT.
 */
class BrokenListsIT {
    private static LabGuest g;
    private static LiveVm live;
    private static LinuxKernel k;

    @BeforeAll
    static void boot() {
        g = Lab.fromEnvironment().boot(Lab.Options.defaults());
        live = Guests.live(g);
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
    void oneBadTaskLinkLosesNoProcessAndIsReported() {
        Processes ps = new Processes(k);
        long tasks = k.layout().offset("task_struct", "tasks");
        try (GdbRemote gdb = paused()) {
            Processes.Listing before = ps.list(false, true);
            assertThat(before.walk().complete()).as(before.walk().problem()).isTrue();
            List<Long> order = before.walk().items();
            long victim = order.get(order.size() / 2);
            long bad = unmapped();
            try (Patch p = new Patch(gdb, victim + tasks, bad)) {
                Processes.Listing after = ps.list(false, true);
                assertThat(after.walk().complete()).isFalse();
                assertThat(after.walk().problem())
                        .contains("link unreadable at 0x" + Long.toHexString(bad))
                        .contains("walking back from the head via prev recovered")
                        .contains("no element is missing");
                assertThat(after.processes()).extracting(LinuxProcess::pid)
                        .containsExactlyElementsOf(before.processes().stream().map(LinuxProcess::pid).toList());
                assertThat(after.processes()).extracting(LinuxProcess::cmdline)
                        .containsExactlyElementsOf(before.processes().stream().map(LinuxProcess::cmdline).toList());
            }
            assertThat(ps.list(false, false).walk().complete()).isTrue();
        }
        assertThat(g.shell("echo alive", Duration.ofSeconds(60))).contains("alive");
    }

    @Test
    void twoBadTaskLinksAreBridgedByThePidTable() {
        Processes ps = new Processes(k);
        long tasks = k.layout().offset("task_struct", "tasks");
        try (GdbRemote gdb = paused()) {
            Processes.Listing before = ps.list(false, false);
            assertThat(before.walk().complete()).isTrue();
            List<Long> order = before.walk().items();
            int a = order.size() / 3, b = 2 * order.size() / 3;
            long bad = unmapped();
            // a's next and b's prev both lead nowhere: the list walks see neither side of the tasks between them
            try (Patch p1 = new Patch(gdb, order.get(a) + tasks, bad);
                 Patch p2 = new Patch(gdb, order.get(b) + tasks + 8, bad)) {
                assertThat(ps.leaders().items()).hasSize(order.size() - (b - a - 1));
                Processes.Listing after = ps.list(false, false);
                assertThat(after.walk().complete()).isFalse();
                assertThat(after.walk().problem())
                        .contains("elements between the two breaks are missing")
                        .contains("the PID table (init_pid_ns.idr) gave " + (b - a - 1) + " more processes");
                assertThat(after.processes()).extracting(LinuxProcess::pid)
                        .containsExactlyInAnyOrderElementsOf(before.processes().stream().map(LinuxProcess::pid).toList());
            }
        }
    }

    @Test
    void oneBadModuleLinkLosesNoModuleAndTwoAreBridgedBySysfs() {
        Modules mods = new Modules(k);
        long list = k.layout().offset("module", "list");
        try (GdbRemote gdb = paused()) {
            Modules.Listing before = mods.list();
            assertThat(before.walk().complete()).isTrue();
            List<Long> order = before.walk().items();
            assertThat(order.size()).as("lab guest modules").isGreaterThanOrEqualTo(4);
            List<String> names = before.modules().stream().map(ModuleInfo::name).toList();
            long bad = unmapped();
            try (Patch p = new Patch(gdb, order.get(1) + list, bad)) {
                Modules.Listing after = mods.list();
                assertThat(after.walk().complete()).isFalse();
                assertThat(after.walk().problem()).contains("no element is missing");
                assertThat(after.modules()).extracting(ModuleInfo::name).containsExactlyElementsOf(names);
            }
            try (Patch p1 = new Patch(gdb, order.get(0) + list, bad);
                 Patch p2 = new Patch(gdb, order.get(3) + list + 8, bad)) {
                Modules.Listing after = mods.list();
                assertThat(after.walk().complete()).isFalse();
                assertThat(after.walk().problem()).contains("sysfs (module_kset) gave 2 more modules");
                assertThat(after.modules()).extracting(ModuleInfo::name).containsExactlyInAnyOrderElementsOf(names);
            }
            assertThat(mods.list().walk().complete()).isTrue();
        }
    }

    /** {@return a gdb session: the VM stays stopped until it is closed} */
    private static GdbRemote paused() {
        GdbRemote gdb = GdbRemote.connect("127.0.0.1", g.gdbPort());
        gdb.physicalMode(true);
        return gdb;
    }

    /** {@return a canonical kernel address that no page table maps} */
    private static long unmapped() {
        return LongStream.of(0xffffc9ffff000000L, 0xffffeaffff000000L, 0xffff8fffff000000L)
                .filter(a -> !k.reader().readable(a)).findFirst().orElseThrow();
    }

    /** One 8-byte write into the guest's kernel memory, undone on close. */
    private static final class Patch implements AutoCloseable {
        private final GdbRemote gdb;
        private final long pa;
        private final byte[] original;

        Patch(GdbRemote gdb, long va, long value) {
            this.gdb = gdb;
            this.pa = k.kernelSpace().physical(new VirtAddr(va)).value();
            this.original = gdb.readMemory(pa, 8);
            gdb.writeMemory(pa, le64(value));
        }

        @Override public void close() { gdb.writeMemory(pa, original); }
    }

    private static byte[] le64(long v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }
}
