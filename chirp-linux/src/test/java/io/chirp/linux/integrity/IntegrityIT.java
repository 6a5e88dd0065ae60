package io.chirp.linux.integrity;

import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Modules;
import io.chirp.linux.Processes;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A guest without a rootkit gets a clean integrity report, and every view the checks compare really sees the guest's
 * objects. (The standard scenario's masquerades are the heuristics' findings: {@link HeuristicsIT}.)
 */
@WithLabGuest
class IntegrityIT {
    static final Set<String> INTEGRITY = Set.copyOf(IntegrityCheck.INTEGRITY);

    @Test
    void cleanLiveGuestHasNoFindings(LabGuest g) {
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            IntegrityReport rep = new IntegrityCheck(k, live.registers()).run(INTEGRITY);
            assertClean(rep);
            // IDT from the vCPU's IDTR (the CPU entry area alias), all 256 gates present
            assertThat(rep.section("idt").orElseThrow().examined()).isEqualTo(256);
        }
    }

    @Test
    void cleanMemoryImageHasNoFindings(LabGuest g, @TempDir Path dir) throws Exception {
        Path dump = dir.resolve("dump.elf");
        try (QmpClient q = QmpClient.connect(g.qmpSocket())) {
            q.execute("dump-guest-memory", Map.of("paging", false, "protocol", "file:" + dump),
                    java.time.Duration.ofMinutes(2));
        }
        try (MemoryImage img = MemoryImages.open(dump)) {
            // no registers: the IDT comes from idt_table
            LinuxKernel k = LinuxKernel.attach(img.memory(), List.of());
            IntegrityReport rep = new IntegrityCheck(k, List.of()).run(INTEGRITY);
            assertClean(rep);
            assertThat(rep.section("idt").orElseThrow().examined()).isEqualTo(256);
        }
    }

    @Test
    void everyListedModuleIsSeenBySysfsAndByCarving(LabGuest g) {
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            List<Long> listed = new Modules(k).addresses().items();
            assertThat(listed).hasSize(g.groundTruth().modules().size());
            HiddenModules h = new HiddenModules(k);
            assertThat(h.sysfsView().items()).containsExactlyInAnyOrderElementsOf(listed);
            HiddenModules.Carve c = h.carve();
            assertThat(c.problems()).isEmpty();
            assertThat(c.modules()).containsExactlyInAnyOrderElementsOf(listed);
        }
    }

    @Test
    void everyListedProcessIsSeenByThePidView(LabGuest g) {
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            HiddenProcesses h = new HiddenProcesses(k);
            Set<Long> byPid = new HashSet<>(h.pidView().items());
            assertThat(h.pidView().complete()).isTrue();
            List<Long> listed = new Processes(k).leaders().items();
            // a process may exit between the two walks; all but a handful must be there
            long missing = listed.stream().filter(t -> !byPid.contains(t)).count();
            assertThat(listed).hasSizeGreaterThan(40);
            assertThat(missing).isLessThanOrEqualTo(2);
            assertThat(h.runQueueView().items()).isNotEmpty();
        }
    }

    static void assertClean(IntegrityReport rep) {
        assertThat(rep.sections()).extracting(IntegrityReport.Section::check)
                .containsExactlyElementsOf(IntegrityCheck.INTEGRITY);
        for (IntegrityReport.Section s : rep.sections()) {
            assertThat(s.complete()).as("%s: %s", s.check(), s.problems()).isTrue();
        }
        assertThat(rep.findings(IntegrityFinding.Severity.WARNING)).isEmpty();
        // every entry of the table (Debian 6.1 has 451), and the dispatcher's hundreds of direct branches
        assertThat(rep.section("syscall_table").orElseThrow().examined()).isBetween(400, 1000);
        assertThat(rep.section("syscall_dispatch").orElseThrow().examined()).isGreaterThan(300);
        assertThat(rep.section("inline_hooks").orElseThrow().examined()).isGreaterThan(300);
        assertThat(rep.section("hidden_processes").orElseThrow().examined()).isGreaterThan(40);
        assertThat(rep.section("credentials").orElseThrow().examined()).isGreaterThan(40);
    }
}
