package io.chirp.hypervisor;

import io.chirp.arch.Architecture;
import io.chirp.core.Aarch64CpuState;
import io.chirp.core.VirtAddr;
import io.chirp.hypervisor.qemu.Aarch64Registers;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.PagingMode;
import io.chirp.paging.TranslationResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The arm64 lab guest (Debian's linux-image-arm64 under qemu-system-aarch64, TCG, virt, -cpu max): its system
 * registers through the gdbstub, and CHIRP's AArch64 walk from the RAM file against QEMU's own {@code gva2gpa} on
 * random kernel (image, linear map) and user addresses. One guest boot serves every check of the class: a
 * foreign-ISA boot under TCG takes minutes.
 */
@WithLabGuest(kernel = "linux-image-arm64")
class Aarch64TranslationIT {
    private static final long LINEAR_MAP = 0xffff_0000_0000_0000L; // PAGE_OFFSET with 48-bit VA

    /**
     * Stops the guest on its gdbstub (attaching stops it; detaching resumes it) until the vCPU is caught at
     * exception level {@code el}, and runs {@code check} while it stays stopped: QEMU's TTBRs and ours are the same.
     * QEMU's {@code gva2gpa} translates as the current EL would, permissions included (unlike x86's): kernel pages
     * are "unmapped" from EL0, so kernel addresses are compared from an EL1 stop and user ones from an EL0 stop.
     */
    private static void stoppedAt(LiveVm live, int el, java.util.function.BiConsumer<Aarch64CpuState, QmpClient> check)
            throws InterruptedException {
        QmpClient qmp = live.qmp().orElseThrow();
        for (int tries = 0; tries < 300; tries++) {
            try (var lease = live.session().gdb("Aarch64TranslationIT", Duration.ofSeconds(30))) {
                Aarch64CpuState a = Aarch64Registers.read(lease.remote(), 0);
                if (((a.register("cpsr").orElseThrow() >> 2) & 3) == el) { // PSTATE.EL
                    check.accept(a, qmp);
                    // one instant: the vCPU has not moved while both walks ran (else a mismatch could be a race)
                    Aarch64CpuState after = Aarch64Registers.read(lease.remote(), 0);
                    for (String r : List.of("pc", "sp", "cpsr", "ttbr0_el1", "ttbr1_el1", "tcr_el1")) {
                        assertThat(after.register(r)).as("%s after the comparisons", r).isEqualTo(a.register(r));
                    }
                    return;
                }
            }
            Thread.sleep(30);
        }
        throw new AssertionError("the vCPU was never caught at EL" + el);
    }

    /** Compares one address; {@return 1 if both found it mapped to the same place} */
    private static int compare(AddressSpace as, QmpClient qmp, long va, List<String> mismatches) {
        String q = qmp.hmp("gva2gpa 0x" + Long.toHexString(va)).strip();
        TranslationResult ours = as.translate(new VirtAddr(va));
        if (q.startsWith("gpa: 0x")) {
            long gpa = Long.parseUnsignedLong(q.substring(7), 16);
            if (ours instanceof TranslationResult.Mapped mp && mp.pa().value() == gpa) return 1;
            mismatches.add(Long.toHexString(va) + ": qemu " + q + ", chirp " + ours + " DIAG " + chain(as, qmp, va));
        } else if (ours instanceof TranslationResult.Mapped) {
            // A valid leaf with the access flag clear (Linux's "old" page): the CPU sets AF itself (FEAT_HAFDBS,
            // which -cpu max has) and the access goes on, so the page is mapped; QEMU's debug walk calls it a fault.
            long leaf = leafDescriptor(as, va);
            if ((leaf & 1) == 0 || (leaf & (1L << 10)) != 0) {
                mismatches.add(Long.toHexString(va) + ": qemu " + q + ", chirp " + ours + " DIAG " + chain(as, qmp, va));
            }
        }
        return 0;
    }

    static String chain(AddressSpace as, QmpClient qmp, long va) {
        StringBuilder sb = new StringBuilder();
        long table = va < 0 ? as.highRoot().value() : as.root().value();
        sb.append("root=").append(Long.toHexString(table));
        for (int level = 0; level < 4; level++) {
            long ea = table + ((va >>> (39 - 9 * level)) & 511) * 8;
            long e = as.memory().readLong(ea);
            sb.append(" L").append(level).append("@").append(Long.toHexString(ea)).append("=").append(Long.toHexString(e));
            sb.append(" xp[").append(qmp.hmp("xp /1gx 0x" + Long.toHexString(ea)).strip()).append("]");
            if ((e & 1) == 0 || level == 3 || (e & 2) == 0) break;
            table = e & 0x0000_ffff_ffff_f000L;
        }
        sb.append(" again[").append(qmp.hmp("gva2gpa 0x" + Long.toHexString(va)).strip()).append("]");
        return sb.toString();
    }

    /** {@return the leaf descriptor of {@code va} (4 KiB granule, 48-bit VA: L0..L3, or a block above), 0 if none} */
    private static long leafDescriptor(AddressSpace as, long va) {
        long table = va < 0 ? as.highRoot().value() : as.root().value();
        for (int level = 0; level < 4; level++) {
            long e = as.memory().readLong(table + ((va >>> (39 - 9 * level)) & 511) * 8);
            if ((e & 1) == 0 || level == 3 || (e & 2) == 0) return e;
            table = e & 0x0000_ffff_ffff_f000L;
        }
        return 0;
    }

    /** The same restricted user network as x86: the standard scenario's connection through guestfwd is up. */
    @Test
    void guestfwdWorksUnderRestrictOn(LabGuest g) {
        assertThat(g.groundTruth().sockets()).anySatisfy(s -> {
            assertThat(s.remoteHex()).isEqualToIgnoringCase("6402000A"); // 10.0.2.100, Scenario.HOST_ALIAS
            assertThat(s.state()).isEqualTo(1);                           // ESTABLISHED
        });
    }

    @Test
    void gdbstubGivesTheSystemRegistersTranslationNeeds(LabGuest g) {
        GroundTruth truth = g.groundTruth();
        Map<String, Long> syms = truth.kallsyms();
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            Aarch64CpuState a = (Aarch64CpuState) live.vcpusFromGdb().getFirst();
            assertThat(Architecture.of(a).name()).isEqualTo("aarch64");
            for (String r : List.of("ttbr0_el1", "ttbr1_el1", "tcr_el1", "vbar_el1", "sp_el0", "sctlr_el1")) {
                assertThat(a.register(r)).as(r).isPresent();
            }
            // Debian's arm64 kernel: 4 KiB pages, 48-bit VA (CONFIG_ARM64_VA_BITS=48), the MMU on (SCTLR.M)
            assertThat(PagingMode.fromTcr(a.tcr().orElseThrow(), true)).isEqualTo(PagingMode.aarch64(12, 48, false));
            assertThat(a.register("sctlr_el1").orElseThrow() & 1).isEqualTo(1);
            // VBAR_EL1 is the kernel's `vectors`, inside its text, wherever KASLR put it
            long text = syms.get("_stext"), etext = syms.get("_etext");
            assertThat(Long.compareUnsigned(a.vbar().orElseThrow(), text)).isGreaterThanOrEqualTo(0);
            assertThat(Long.compareUnsigned(a.vbar().orElseThrow(), etext)).isLessThan(0);
            assertThat(a.vbar().orElseThrow() & 0x7ff).as("vector table alignment").isZero();
        }
    }

    @Test
    void kernelAddressesMatchQemuGva2gpa(LabGuest g) throws InterruptedException {
        String pid = g.shell("(while :; do :; done) </dev/null >/dev/null 2>&1 & echo $!", Duration.ofSeconds(240)).strip();
        Map<String, Long> syms = g.groundTruth().kallsyms();
        long text = syms.get("_stext"), etext = syms.get("_etext");
        List<String> mismatches = new ArrayList<>();
        int[] compared = new int[3]; // user, kernel image, linear map
        int[] mapped = new int[1];
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            stoppedAt(live, 1, (cpu, qmp) -> {
                AddressSpace as = Architecture.of(cpu).kernelSpace(live.memory(), cpu);
                Random rnd = new Random(43);
                for (int n = 0; n < 200; n++) {
                    int kind = 1 + n % 2;
                    long va = kind == 1 ? text + (Math.floorMod(rnd.nextLong(), etext - text) & ~7L)
                            : LINEAR_MAP + (Math.floorMod(rnd.nextLong(), g.memoryBytes()) & ~7L);
                    if (n == 0) va = cpu.pc();
                    if (n == 1) va = cpu.vbar().orElseThrow();
                    // SP_EL0 holds `current` in the kernel, but the user stack pointer at the edges of an exception
                    // (entry before it is switched, exit after): a user address, which QEMU's walk from EL1 refuses
                    // under PAN (privileged access never), so it is compared only when it is a kernel address
                    if (n == 2 && cpu.spEl0().orElseThrow() < 0) va = cpu.spEl0().orElseThrow();
                    compared[kind]++;
                    mapped[0] += compare(as, qmp, va, mismatches);
                }
            });
        } finally {
            g.shell("kill " + pid, Duration.ofSeconds(240));
        }
        assertThat(mismatches).isEmpty();
        assertThat(compared[1]).as("kernel image addresses").isPositive();
        assertThat(compared[2]).as("linear map addresses").isPositive();
        assertThat(mapped[0]).as("addresses both found mapped").isGreaterThan(150);
    }

    @Test
    void userAddressesMatchQemuGva2gpa(LabGuest g) throws InterruptedException {
        String pid = g.shell("(while :; do :; done) </dev/null >/dev/null 2>&1 & echo $!", Duration.ofSeconds(240)).strip();
        Map<String, Long> syms = g.groundTruth().kallsyms();
        long text = syms.get("_stext"), etext = syms.get("_etext");
        List<String> mismatches = new ArrayList<>();
        int[] compared = new int[3]; // user, kernel image, linear map
        int[] mapped = new int[1];
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            for (int stop = 0; stop < 6; stop++) {
                int stopNo = stop;
                stoppedAt(live, 0, (cpu, qmp) -> {
                    AddressSpace as = Architecture.of(cpu).kernelSpace(live.memory(), cpu);
                    Random rnd = new Random(42 + stopNo);
                    long pc = cpu.pc(), sp = cpu.register("sp").orElseThrow();
                    int before = mismatches.size();
                    for (int n = 0; n < 400; n++) {
                        long va = n == 0 ? pc : n == 1 ? sp : n < 258 ? (sp & ~0xfffL) + ((n - 130) << 12)
                                : (rnd.nextBoolean() ? pc : sp) + ((rnd.nextInt(1 << 21) - (1 << 20)) & ~7L);
                        compared[0]++;
                        mapped[0] += compare(as, qmp, va, mismatches);
                    }
                    if (mismatches.size() > before) {
                        mismatches.add("stop " + stopNo + ": pc=" + Long.toHexString(pc) + " sp=" + Long.toHexString(sp) + " ttbr0="
                                + Long.toHexString(cpu.ttbr0().orElse(-1)) + " ttbr1=" + Long.toHexString(cpu.ttbr1().orElse(-1))
                                + " tcr=" + Long.toHexString(cpu.tcr().orElse(-1)) + " cpsr="
                                + Long.toHexString(cpu.register("cpsr").orElse(-1)) + " QEMU now: "
                                + qmp.hmp("info registers").replace("\n", " | "));
                    }
                    // from EL0 a kernel page is a permission fault for QEMU; for CHIRP it is mapped, not user-accessible
                    TranslationResult k = as.translate(new VirtAddr(text));
                    assertThat(k).isInstanceOfSatisfying(TranslationResult.Mapped.class,
                            m -> assertThat(m.flags().user()).isFalse());
                });
            }
        } finally {
            g.shell("kill " + pid, Duration.ofSeconds(240));
        }
        assertThat(mismatches).isEmpty();
        assertThat(compared[0]).as("user addresses").isPositive();
        assertThat(mapped[0]).as("addresses both found mapped").isGreaterThan(20);
    }
}
