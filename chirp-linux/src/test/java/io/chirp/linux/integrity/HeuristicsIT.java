package io.chirp.linux.integrity;

import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.LinuxKernel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The heuristics on the standard lab guest: its scenario stages two masquerades (the miner {@code exec -a sleep}
 * from /tmp, and alice's {@code kworkerd} in a hidden folder calling itself {@code sleep}); they and nothing else
 * are flagged, against the guest's own /proc.
 */
@WithLabGuest
public class HeuristicsIT {

    public static IntegrityReport heuristics(LabGuest g) {
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            return new IntegrityCheck(k, live.registers()).run(Set.copyOf(IntegrityCheck.HEURISTICS));
        }
    }

    static int pidOf(LabGuest g, String comm) {
        return g.groundTruth().processes().stream().filter(p -> p.comm().equals(comm)).mapToInt(GroundTruth.Process::pid)
                .findFirst().orElseThrow();
    }

    @Test
    void theStagedMasqueradesAndNothingElseAreFlagged(LabGuest g) {
        int miner = pidOf(g, "evil_miner"), kworkerd = pidOf(g, "kworkerd");
        // the guest's own view of what is staged: names, argv and the executable's path
        assertThat(g.shell("readlink /proc/" + miner + "/exe; tr '\\0' ' ' </proc/" + miner + "/cmdline; echo; "
                + "readlink /proc/" + kworkerd + "/exe", Duration.ofSeconds(120)).lines().toList())
                .containsExactly("/tmp/evil_miner", "sleep 100000 ", "/home/alice/.cache/kworkerd");

        IntegrityReport rep = heuristics(g);
        assertThat(rep.sections()).extracting(IntegrityReport.Section::check).containsExactlyElementsOf(IntegrityCheck.HEURISTICS);
        for (IntegrityReport.Section s : rep.sections()) assertThat(s.complete()).as("%s: %s", s.check(), s.problems()).isTrue();
        assertThat(rep.section("masquerade").orElseThrow().examined()).isGreaterThanOrEqualTo(8);
        assertThat(rep.section("wx_memory").orElseThrow().examined()).isGreaterThan(20);

        List<IntegrityFinding> warn = rep.findings(IntegrityFinding.Severity.WARNING);
        assertThat(warn).filteredOn(f -> f instanceof IntegrityFinding.SuspiciousExecutable).singleElement()
                .isInstanceOfSatisfying(IntegrityFinding.SuspiciousExecutable.class, f -> {
                    assertThat(f.pid()).isEqualTo(miner);
                    assertThat(f.exe()).isEqualTo("/tmp/evil_miner");
                    assertThat(f.severity()).isEqualTo(IntegrityFinding.Severity.WARNING);
                });
        assertThat(warn).filteredOn(f -> f instanceof IntegrityFinding.Masquerade)
                .extracting(f -> ((IntegrityFinding.Masquerade) f).pid()).containsExactlyInAnyOrder(miner, kworkerd);
        IntegrityFinding.Masquerade m = warn.stream().filter(f -> f instanceof IntegrityFinding.Masquerade x && x.pid() == miner)
                .map(IntegrityFinding.Masquerade.class::cast).findFirst().orElseThrow();
        assertThat(m.comm()).isEqualTo("evil_miner");
        assertThat(m.argv0()).isEqualTo("sleep");
        // nothing else: no W+X memory, no orphans, the Debian-signed modules untainted, no rootkit names
        assertThat(warn).hasSize(3);
    }
}
