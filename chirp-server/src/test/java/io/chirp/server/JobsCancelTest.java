package io.chirp.server;

import io.chirp.disk.block.BlockSource;
import io.chirp.disk.block.RawImage;
import io.chirp.evidence.store.Actor;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.btf.BtfParser;
import io.chirp.symbols.isf.IsfWriter;
import io.chirp.symbols.types.TypeModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * An ISF export reports no progress either: it looks at the cancel flag between types, symbols and output
     * chunks. The export here is of a real kernel, this host's (its BTF from /sys/kernel/btf/vmlinux and its
     * symbols from /proc/kallsyms: the size of what a guest's export handles); cancelled once it has looked at the
     * flag a few times, it stops with nothing committed and nothing in the store, where without those looks it
     * would run to its end and its artifact would be stored.
     */
    @Test
    void anIsfExportStopsBetweenTypesOnCancel(@TempDir Path home) throws Exception {
        TypeModel types = BtfParser.parse(Files.readAllBytes(Path.of("/sys/kernel/btf/vmlinux")));
        List<Symbol> syms = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/kallsyms"))) {
            String[] f = line.split("\\s+");
            if (f.length >= 3 && f.length <= 4 && f[1].length() == 1) {
                syms.add(new Symbol(f[2], Long.parseUnsignedLong(f[0], 16), f[1].charAt(0)));
            }
        }
        assertThat(types.count()).as("a real kernel's BTF").isGreaterThan(10_000);
        KernelSymbols symbols = KernelSymbols.of(syms);
        AtomicLong looks = new AtomicLong();
        try (EvidenceStore store = EvidenceStore.open(home.resolve("evidence"));
             Audit audit = new Audit(home.resolve("audit.db"));
             Jobs jobs = new Jobs(store, audit, v -> { })) {
            Jobs.View v = jobs.start("isf-export", "test-vm", Map.of(), Actor.cli(), null, (dir, p) -> {
                IsfWriter.Cancel cancel = new IsfWriter.Cancel(() -> {
                    looks.incrementAndGet();
                    return p.cancelled();
                });
                Path out = dir.resolve("host.isf.json");
                try (EvidenceWriter w = EvidenceWriter.create(out)) {
                    IsfWriter.write(w.outputStream(), symbols, types, "Linux version host\n", 0, cancel);
                    var m = w.commit(new EvidenceWriter.Description("isf-symbols", "ISF_JSON",
                            new io.chirp.evidence.EvidenceManifest.Source("test-vm", "test", Map.of()), "export",
                            true, List.of(), Map.of()));
                    return new Jobs.Outcome(out, io.chirp.evidence.EvidenceManifest.pathFor(out), m.sha256(), null, null,
                            "export ISF symbols");
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (looks.get() < 5 && System.nanoTime() < deadline) Thread.sleep(1);
            assertThat(looks.get()).as("the export runs and looks at the flag").isGreaterThanOrEqualTo(5);
            long t0 = System.nanoTime();
            assertThat(jobs.cancel(v.id())).isPresent();
            assertThat(jobs.await(v.id(), Duration.ofSeconds(10))).as("stopped within 10 s of the cancel").isTrue();
            System.out.printf("ISF export: cancel to stop %.1f ms after %d looks at the flag%n",
                    (System.nanoTime() - t0) / 1e6, looks.get());
            Jobs.View done = jobs.get(v.id()).orElseThrow();
            assertThat(done.state()).isEqualTo(Jobs.State.cancelled);
            assertThat(done.error()).isEqualTo("cancelled");
            assertThat(done.artifact()).as("no ISF was made").isNull();
            assertThat(done.sha256()).isNull();
            try (var left = Files.list(home.resolve("evidence/incoming"))) {
                assertThat(left.toList()).as("nothing is left half-made").isEmpty();
            }
        }
    }
}
