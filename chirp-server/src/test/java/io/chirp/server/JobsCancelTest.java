package io.chirp.server;

import io.chirp.disk.block.BlockSource;
import io.chirp.disk.block.RawImage;
import io.chirp.evidence.store.Actor;
import io.chirp.evidence.store.EvidenceStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cancel takes effect promptly for a job that reports no progress: its disk reads (a real image file here, read
 * as a file-system walk reads it) are cancellation points, so it stops at the next one, not at its end.
 */
class JobsCancelTest {
    @Test
    void aJobThatReportsNoProgressStopsAtItsNextDiskReadOnCancel(@TempDir Path home) throws Exception {
        Path image = home.resolve("disk.raw");
        Files.write(image, new byte[1 << 20]);
        AtomicLong reads = new AtomicLong();
        try (EvidenceStore store = EvidenceStore.open(home.resolve("evidence"));
             Audit audit = new Audit(home.resolve("audit.db"));
             Jobs jobs = new Jobs(store, audit, v -> { })) {
            Jobs.View v = jobs.start("disk-timeline", "test-vm", Map.of(), Actor.cli(), null, (dir, p) -> {
                // a walk that never ends and never reports progress: only its reads can notice the cancel
                try (RawImage raw = RawImage.open(image)) {
                    BlockSource s = raw.cancellable(p::cancelled);
                    byte[] b = new byte[4096];
                    while (true) {
                        for (long o = 0; o < s.size(); o += b.length) {
                            s.read(o, b, 0, b.length);
                            reads.incrementAndGet();
                        }
                    }
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (reads.get() < 1000 && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(reads.get()).as("the job runs").isGreaterThanOrEqualTo(1000);
            long t0 = System.nanoTime();
            assertThat(jobs.cancel(v.id())).isPresent();
            assertThat(jobs.await(v.id(), Duration.ofSeconds(5))).as("stopped within 5 s of the cancel").isTrue();
            System.out.printf("cancel to stop: %.1f ms%n", (System.nanoTime() - t0) / 1e6);
            Jobs.View done = jobs.get(v.id()).orElseThrow();
            assertThat(done.state()).isEqualTo(Jobs.State.cancelled);
            assertThat(done.artifact()).isNull();
            try (var left = Files.list(home.resolve("evidence/incoming"))) {
                assertThat(left.toList()).as("nothing is left half-made").isEmpty();
            }
        }
    }
}
