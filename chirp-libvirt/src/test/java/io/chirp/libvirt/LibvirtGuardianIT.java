package io.chirp.libvirt;

import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.pause.PauseMarker;
import io.chirp.lab.LabDomain;
import io.chirp.lab.WithLibvirtDomain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A libvirt pause survives CHIRP's SIGKILL: the process holding the domain paused is killed with kill -9 (no
 * shutdown hook runs), and its {@link LibvirtGuardian} resumes the domain through libvirt. A pause that ends
 * normally dismisses its guardian and leaves no log.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@WithLibvirtDomain
class LibvirtGuardianIT {

    /** The process that pauses the domain and waits to be killed: {@code PauseHolder URI NAME}. */
    public static final class PauseHolder {
        public static void main(String[] args) throws Exception {
            try (VmHandle h = VmBackends.open("libvirt:" + args[1], Optional.of(args[0]))) {
                h.whilePaused(() -> {
                    System.out.println("paused");
                    System.out.flush();
                    try {
                        Thread.sleep(Duration.ofMinutes(10));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        }
    }

    @Test
    void aDomainPausedByAChirpKilledWithSigkillIsResumedByItsGuardian(LabDomain d) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), PauseHolder.class.getName(), d.daemon().uri(), d.name()))
                .redirectErrorStream(true).start();
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri()); LibvirtDomain dom = c.domain(d.name())) {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.equals("paused")) seen.append(line).append('\n');
            assertThat(line).as("the holder paused the domain: " + seen).isEqualTo("paused");
            assertThat(dom.state()).isEqualTo(DomainState.PAUSED);
            new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (dom.state() == DomainState.PAUSED && System.nanoTime() < deadline) Thread.sleep(200);
            assertThat(dom.state()).as("resumed by the guardian after kill -9").isEqualTo(DomainState.RUNNING);
            Path log = PauseMarker.stateDir().resolve("libvirt-guardian-" + d.name() + ".log");
            assertThat(Files.readString(log)).contains("died holding domain " + d.name() + " paused; resuming it",
                    "domain " + d.name() + " resumed: RUNNING");
            Files.delete(log);

            // a pause that ends normally: the guardian is dismissed, leaves nothing, and the domain runs
            try (VmHandle h = VmBackends.open("libvirt:" + d.name(), Optional.of(d.daemon().uri()))) {
                long paused = h.whilePaused(() -> assertThat(dom.state()).isEqualTo(DomainState.PAUSED));
                assertThat(paused).isPositive();
            }
            assertThat(dom.state()).isEqualTo(DomainState.RUNNING);
            assertThat(log).as("a dismissed guardian keeps no log").doesNotExist();
        } finally {
            p.destroyForcibly();
        }
    }
}
