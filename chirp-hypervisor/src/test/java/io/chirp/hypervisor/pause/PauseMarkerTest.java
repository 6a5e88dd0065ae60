package io.chirp.hypervisor.pause;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PauseMarkerTest {
    @TempDir Path state;

    @BeforeEach void useTempState() { System.setProperty("chirp.state", state.toString()); }

    @AfterEach void restore() { System.clearProperty("chirp.state"); }

    private static PauseMarker marker(String vm) {
        return PauseMarker.ours(PauseMarker.Kind.MIGRATION, vm, 4242, Path.of("/run/qmp.sock"), "acquire --migration",
                true, Map.of("downtime-limit", 300L, "max-bandwidth", 134217728L), false);
    }

    @Test
    void roundTripsOwnerOnlyAndOwnedByThisProcess() throws Exception {
        PauseMarker m = marker("web-1").withScratch(PauseRecovery.scratchRoot().resolve("chirp-migration-web-1-1-ab"));
        m.write();
        assertThat(m.file()).isEqualTo(state.resolve("paused/web-1.json"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(m.file()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(m.file().getParent()))).isEqualTo("rwx------");
        PauseMarker back = PauseMarker.read("web-1").orElseThrow();
        assertThat(back).isEqualTo(m);
        assertThat(back.ownerAlive()).isTrue();
        assertThat(back.describe()).contains("web-1", "pid " + ProcessHandle.current().pid(), "acquire --migration");
        m.delete();
        assertThat(PauseMarker.read("web-1")).isEmpty();
    }

    @Test
    void hostileVmNamesStayInsideTheMarkerFolder() {
        Path f = PauseMarker.fileFor("../../etc/passwd\n");
        assertThat(f.getParent()).isEqualTo(state.resolve("paused"));
        assertThat(f.getFileName().toString()).doesNotContain("/").startsWith("_");
        assertThat(PauseMarker.fileFor("x".repeat(500)).getFileName().toString().length()).isLessThan(130);
        assertThat(PauseMarker.fileFor("a b")).as("names that sanitise alike keep apart").isNotEqualTo(PauseMarker.fileFor("a_b"));
        assertThat(PauseMarker.fileFor("lab-1").getFileName().toString()).isEqualTo("lab-1.json");
    }

    @Test
    void aMarkerOfADeadProcessIsStaleAndOnlyItsOwnerDeletesIt() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        PauseMarker dead = new PauseMarker(PauseMarker.Kind.PAUSE, "vm", 1, Path.of("/q"), p.pid(),
                java.time.Instant.EPOCH, "acquire --consistent", java.time.Instant.now(), true, Map.of(), null, null);
        assertThat(dead.ownerAlive()).isFalse();
        dead.write();
        PauseMarker mine = PauseMarker.ours(PauseMarker.Kind.PAUSE, "vm", 1, Path.of("/q"), "x", true, Map.of(), null);
        mine.delete(); // not the marker on disk: left alone
        assertThat(PauseMarker.read("vm")).contains(dead);
    }

    @Test
    void staleScratchOfDeadProcessesIsSweptAndOtherFoldersAreNot() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        Path root = PauseRecovery.scratchRoot();
        Path stale = Files.createDirectories(root.resolve("chirp-migration-vm-a-" + p.pid() + "-ff"));
        Files.write(stale.resolve("ram.scratch"), new byte[4096]);
        Path live = Files.createDirectories(root.resolve("chirp-migration-vm-" + ProcessHandle.current().pid() + "-aa"));
        Path foreign = Files.createDirectories(root.resolve("not-ours"));
        assertThat(PauseRecovery.sweepStaleScratch()).singleElement().asString()
                .contains("removed scratch folder", "pid " + p.pid());
        assertThat(stale).doesNotExist();
        assertThat(live).exists();
        assertThat(foreign).exists();
        assertThat(PauseRecovery.ownerPid("chirp-migration-my-vm-name-123-abc")).isEqualTo(123);
    }

    @Test
    void recoveryNeverDeletesAFolderOutsideItsScratchRoot(@TempDir Path elsewhere) throws Exception {
        Path victim = Files.createDirectories(elsewhere.resolve("chirp-migration-x-1-a"));
        PauseMarker m = marker("vm2").withScratch(victim);
        m.write();
        assertThat(PauseRecovery.finish(m)).singleElement().asString().contains("left", "alone");
        assertThat(victim).exists();
        assertThat(PauseMarker.read("vm2")).isEmpty();
    }
}
