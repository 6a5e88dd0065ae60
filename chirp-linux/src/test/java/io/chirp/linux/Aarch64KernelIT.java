package io.chirp.linux;

import io.chirp.arch.Aarch64;
import io.chirp.core.Aarch64CpuState;
import io.chirp.core.VcpuState;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.qemu.Aarch64Registers;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.arch.Branch;
import io.chirp.core.VirtAddr;
import io.chirp.hypervisor.qemu.GdbRemote;
import io.chirp.linux.integrity.IntegrityCheck;
import io.chirp.linux.integrity.IntegrityFinding;
import io.chirp.linux.integrity.IntegrityReport;
import io.chirp.linux.net.Sockets;
import io.chirp.paging.PagingMode;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kernel discovery and the Linux views on the arm64 lab guest (Debian's linux-image-arm64 under qemu-system-aarch64,
 * TCG), against the guest's own ground truth. Zero configuration: nothing here tells CHIRP the architecture, where
 * RAM starts (0x40000000 on virt) or the KASLR slide. One guest boot (shared) serves the class: a foreign-ISA boot
 * under TCG takes minutes.
 */
@WithLabGuest(kernel = "linux-image-arm64")
class Aarch64KernelIT {

    /** From memory alone (no vCPU state): kallsyms, BTF, the architecture, KASLR, the linear map. */
    @Test
    void kernelIsFoundFromMemoryAloneAndProcessesModulesSocketsMatch(LabGuest g) {
        GroundTruth gt = g.groundTruth();
        Map<String, Long> ks = gt.kallsyms();
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), List.of());
            assertThat(k.arch()).isSameAs(Aarch64.INSTANCE);
            assertThat(k.info().banner()).startsWith("Linux version " + gt.kernelRelease() + " ");
            // the symbols the lab's ground truth holds on arm64 (functions: Debian's arm64 /proc/kallsyms has no data)
            for (String sym : List.of("_stext", "_etext", "kernel_read")) {
                assertThat(k.symbol(sym)).as(sym).isEqualTo(ks.get(sym));
            }
            // KASLR: the slide is measured from KIMAGE_VADDR (_text, 64 KiB below _stext); RAM starts at 1 GiB on virt
            assertThat(k.info().virtSlide()).isEqualTo(ks.get("_stext") - 0x1_0000 - 0xffff_8000_0800_0000L);
            assertThat(k.info().physText()).isGreaterThanOrEqualTo(0x4000_0000L);
            assertThat(k.kernelSpace().mode()).isEqualTo(PagingMode.aarch64(12, 48, false));
            // the linear map: struct page of the kernel's own _text sits where vmemmap puts its PFN
            assertThat(k.directMapPhys(k.info().pageOffsetBase() + k.info().physText())).isEqualTo(k.info().physText());

            Processes.Listing ps = new Processes(k).list(false, true);
            assertThat(ps.walk().complete()).as(ps.walk().problem()).isTrue();
            ProcessesIT.check(ps.processes(), gt, OtherKernelsIT.Views.minCompared(gt));

            OtherKernelsIT.Views.checkSockets(new Sockets(k).list(), gt);

            Modules.Listing ms = new Modules(k).list();
            assertThat(ms.walk().complete()).as(ms.walk().problem()).isTrue();
            OtherKernelsIT.Views.checkModules(ms.modules(), gt.section("modules"));
        }
    }

    /**
     * With vCPU state from the gdbstub: the paging mode is TCR_EL1's, and {@code current} (SP_EL0, caught at EL1)
     * is a task of the task list, or the idle task init_task.
     */
    @Test
    void vcpuStateGivesTheModeAndCurrentFromSpEl0(LabGuest g) throws InterruptedException {
        try (LiveVm live = Guests.live(g)) {
            List<VcpuState> cpus = live.vcpusFromGdb();
            LinuxKernel k = LinuxKernel.attach(live.memory(), cpus);
            assertThat(k.kernelSpace().mode()).isEqualTo(PagingMode.fromTcr(((Aarch64CpuState) cpus.getFirst()).tcr().orElseThrow(), true));
            long initTask = k.symbol("init_task");
            for (int tries = 0; ; tries++) {
                assertThat(tries).as("the vCPU caught at EL1 within 300 stops").isLessThan(300);
                Aarch64CpuState a;
                List<Long> tasks;
                try (var lease = live.session().gdb("Aarch64KernelIT", Duration.ofSeconds(30))) {
                    a = Aarch64Registers.read(lease.remote(), 0);
                    // the task list of the same stopped instant
                    tasks = new Processes(k).list(true, false).processes().stream().map(LinuxProcess::task).toList();
                }
                if (((a.register("cpsr").orElseThrow() >> 2) & 3) != 1) {
                    // at EL0 SP_EL0 is the user stack pointer: no current
                    if (a.spEl0().orElseThrow() >= 0) assertThat(k.currentTask(a)).isEmpty();
                    Thread.sleep(30);
                    continue;
                }
                OptionalLong cur = k.currentTask(a);
                if (cur.isEmpty()) { // an exception's edge: SP_EL0 still the user's
                    Thread.sleep(30);
                    continue;
                }
                assertThat(cur.getAsLong() == initTask || tasks.contains(cur.getAsLong()))
                        .as("current 0x%x is init_task or a listed task", cur.getAsLong()).isTrue();
                break;
            }
        }
    }

    /**
     * The checks that apply on arm64 are clean on the lab guest, and each finds what a rootkit would plant, in the
     * arm64 encoding: a sys_call_table slot pointing outside kernel text, an {@code ldr x16, =target; br x16} over
     * a system call's ftrace site, a vector slot's branch retargeted. The guest is paused (gdbstub) while its memory
     * is tampered with, checked and restored, so it never runs the planted code.
     */
    @Test
    void integrityChecksAreCleanAndFindPlantedArm64Hooks(LabGuest g) {
        try (LiveVm live = Guests.live(g)) {
            List<VcpuState> cpus = live.vcpusFromGdb();
            LinuxKernel k = LinuxKernel.attach(live.memory(), cpus);
            // what applies and is complete on arm64 from memory alone; hidden_processes and hidden_modules run
            // without their second views (runqueues, module_kset: neither exported nor in a text-only kallsyms),
            // kprobes and ftrace not at all (kprobe_table, ftrace_list_end: the same)
            Set<String> complete = Set.of("syscall_table", "syscall_dispatch", "inline_hooks", "idt", "credentials");
            IntegrityReport clean = new IntegrityCheck(k, cpus).run(Set.copyOf(IntegrityCheck.INTEGRITY));
            for (IntegrityReport.Section s : clean.sections()) {
                if (complete.contains(s.check())) assertThat(s.complete()).as("%s: %s", s.check(), s.problems()).isTrue();
            }
            assertThat(clean.findings(IntegrityFinding.Severity.WARNING)).isEmpty();
            assertThat(clean.section("hidden_modules").orElseThrow().examined()).isEqualTo(g.groundTruth().modules().size());
            assertThat(clean.section("syscall_table").orElseThrow().examined()).isBetween(400, 1000);
            assertThat(clean.section("inline_hooks").orElseThrow().examined()).isGreaterThan(300);
            assertThat(clean.section("idt").orElseThrow().examined()).isEqualTo(16); // VBAR_EL1's 16 vectors
            assertThat(clean.section("hidden_processes").orElseThrow().examined()).isGreaterThan(20);

            long table = k.symbol("sys_call_table");
            long vhangup = k.symbol("__arm64_sys_vhangup");
            int nr = -1;
            for (int i = 0; i < 512 && nr < 0; i++) if (k.reader().u64(table + 8L * i) == vhangup) nr = i;
            assertThat(nr).as("vhangup's slot").isNotNegative();
            ModuleInfo mod = new Modules(k).list().modules().getFirst();
            long evil = mod.base() + 0x40;                      // module memory, outside kernel text
            long kcmp = k.symbol("__arm64_sys_kcmp");
            long vbar = ((Aarch64CpuState) cpus.getFirst()).vbar().orElseThrow();
            long slot5 = vbar + 5 * 0x80;                       // current EL with SP_ELx, IRQ
            Branch vb = k.arch().sweep(k.reader().bytes(slot5, 0x80), slot5).branches().getFirst();
            long rodata = (k.symbol("_etext") + 0x1000) & ~3L;  // outside text, within a B's reach
            byte[] ldrBr = new byte[16];
            ByteBuffer.wrap(ldrBr).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(0x5800_0050)                        // ldr x16, #8
                    .putInt(0xd61f_0200)                        // br x16
                    .putLong(evil);
            int b = 0x1400_0000 | (int) (((rodata - vb.site()) >> 2) & 0x3ff_ffff);
            Map<Long, byte[]> writes = new java.util.LinkedHashMap<>();
            writes.put(table + 8L * nr, le64(evil));
            writes.put(kcmp + 4, ldrBr);                        // past its bti c
            writes.put(vb.site(), le32(b));
            IntegrityReport rep;
            try (var lease = live.session().gdb("Aarch64KernelIT tamper", Duration.ofSeconds(30))) {
                GdbRemote gdb = lease.remote();
                gdb.physicalMode(true);
                Map<Long, byte[]> saved = new java.util.LinkedHashMap<>();
                for (var w : writes.entrySet()) {
                    long pa = k.kernelSpace().physical(new VirtAddr(w.getKey())).value();
                    saved.put(pa, live.memory().readBytes(pa, w.getValue().length));
                }
                try {
                    for (var w : writes.entrySet()) {
                        gdb.writeMemory(k.kernelSpace().physical(new VirtAddr(w.getKey())).value(), w.getValue());
                    }
                    rep = new IntegrityCheck(k, cpus).run(Set.of("syscall_table", "inline_hooks", "idt"));
                } finally {
                    for (var s : saved.entrySet()) gdb.writeMemory(s.getKey(), s.getValue());
                }
            }
            int slotNr = nr;
            assertThat(rep.findings()).anySatisfy(f -> assertThat(f).isInstanceOfSatisfying(
                    IntegrityFinding.SyscallTableEntry.class, t -> {
                        assertThat(t.nr()).isEqualTo(slotNr);
                        assertThat(t.target()).isEqualTo(evil);
                    }));
            assertThat(rep.findings()).anySatisfy(f -> assertThat(f).isInstanceOfSatisfying(
                    IntegrityFinding.InlineHook.class, h -> {
                        assertThat(h.function()).isEqualTo("__arm64_sys_kcmp");
                        assertThat(h.target()).isEqualTo(evil);
                        assertThat(h.severity()).isEqualTo(IntegrityFinding.Severity.CRITICAL);
                    }));
            assertThat(rep.findings()).anySatisfy(f -> assertThat(f).isInstanceOfSatisfying(
                    IntegrityFinding.IdtEntry.class, v -> {
                        assertThat(v.vector()).isEqualTo(5);
                        assertThat(v.handler()).isEqualTo(rodata);
                    }));
            // restored: clean again
            assertThat(new IntegrityCheck(k, cpus).run(Set.of("syscall_table", "inline_hooks", "idt"))
                    .findings(IntegrityFinding.Severity.WARNING)).isEmpty();
        }
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
}
