package io.chirp.linux.integrity;

import io.chirp.linux.LinuxProcess;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure rules of the heuristics: what the kernel sets at exec, and what a masquerade breaks. */
class HeuristicsTest {

    private static LinuxProcess proc(String comm, String exe) {
        return new LinuxProcess(42, 42, 1, comm, 0, 0, 0, 0, 1.0, "S", false, 0x1000, 0x2000, 0x3000, null, false, exe,
                List.of());
    }

    @Test
    void namesTheKernelWouldSetAreNotMasquerades() {
        assertThat(ProcessHeuristics.masqueradeFinding(proc("sleep", "/bin/busybox"), List.of("/bin/sleep", "5"))).isNull();
        // a script: comm is the script's name, argv[0] its interpreter
        assertThat(ProcessHeuristics.masqueradeFinding(proc("beacon.sh", "/bin/busybox"),
                List.of("/bin/sh", "/tmp/beacon.sh"))).isNull();
        // a login shell, a self-renaming daemon, a name longer than comm's 15 bytes
        assertThat(ProcessHeuristics.masqueradeFinding(proc("sh", "/bin/busybox"), List.of("-sh"))).isNull();
        assertThat(ProcessHeuristics.masqueradeFinding(proc("sshd", "/usr/sbin/sshd"), List.of("sshd: alice@pts/0"))).isNull();
        assertThat(ProcessHeuristics.masqueradeFinding(proc("systemd-journal", "/usr/lib/systemd/systemd-journald"),
                List.of("/usr/lib/systemd/systemd-journald"))).isNull();
        // no argv (exiting, or execve with an empty argv): nothing to compare
        assertThat(ProcessHeuristics.masqueradeFinding(proc("x", "/x"), List.of())).isNull();
    }

    @Test
    void execDashAIsAMasquerade() {
        IntegrityFinding f = ProcessHeuristics.masqueradeFinding(proc("evil_miner", "/tmp/evil_miner"),
                List.of("sleep", "100000"));
        assertThat(f).isInstanceOfSatisfying(IntegrityFinding.Masquerade.class, m -> {
            assertThat(m.comm()).isEqualTo("evil_miner");
            assertThat(m.argv0()).isEqualTo("sleep");
            assertThat(m.evidence()).containsEntry("exe", "/tmp/evil_miner");
            assertThat(m.severity()).isEqualTo(IntegrityFinding.Severity.WARNING);
        });
    }

    @Test
    void userProcessesNamedLikeKernelThreadsAreMasquerades() {
        assertThat(ProcessHeuristics.masqueradeFinding(proc("kworkerd", "/home/a/.cache/kworkerd"), List.of("kworkerd")))
                .isInstanceOf(IntegrityFinding.Masquerade.class);
        assertThat(ProcessHeuristics.masqueradeFinding(proc("sh", "/bin/busybox"), List.of("[kthread]")))
                .isInstanceOf(IntegrityFinding.Masquerade.class);
    }

    @Test
    void executablesFromTemporaryFoldersDeletedOrMemfdAreFlagged() {
        LinuxProcess p = proc("x", null);
        assertThat(ProcessHeuristics.exeFinding(p, "/bin/busybox")).isNull();
        assertThat(ProcessHeuristics.exeFinding(p, "/tmpfoo/x")).isNull();
        assertThat(ProcessHeuristics.exeFinding(p, "/tmp/evil_miner").severity()).isEqualTo(IntegrityFinding.Severity.WARNING);
        assertThat(ProcessHeuristics.exeFinding(p, "/dev/shm/.x").summary()).contains("/dev/shm/");
        assertThat(ProcessHeuristics.exeFinding(p, "/usr/bin/x (deleted)").summary()).contains("deleted");
        assertThat(ProcessHeuristics.exeFinding(p, "/memfd:payload (deleted)").severity())
                .isEqualTo(IntegrityFinding.Severity.CRITICAL);
    }

    @Test
    void rootkitNamesMatchWhateverTheSpelling() {
        assertThat(ModuleHeuristics.rootkit("knark")).isEqualTo("Knark");
        assertThat(ModuleHeuristics.rootkit("Adore-NG")).isEqualTo("Adore-ng");
        assertThat(ModuleHeuristics.rootkit("dummy")).isNull();
        assertThat(ModuleHeuristics.rootkit("ext4")).isNull();
    }
}
