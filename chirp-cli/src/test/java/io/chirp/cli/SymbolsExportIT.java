package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chirp symbols export-isf} writes its ISF as evidence: hashed, owner-only, with a manifest. */
@WithLabGuest
class SymbolsExportIT {
    @Test
    void exportedIsfIsEvidenceWithAManifest(LabGuest g, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("new-folder/kernel.json");
        StringWriter o = new StringWriter(), e = new StringWriter();
        int rc = Main.run(new String[] {"symbols", "export-isf", "--vm", g.name(), "-o", out.toString()},
                new PrintWriter(o, true), new PrintWriter(e, true));
        assertThat(rc).as(e.toString()).isZero();
        assertThat(manifestAgrees(out)).isTrue();
        JsonNode isf = new ObjectMapper().readTree(out.toFile());
        assertThat(isf.path("symbols").path("init_task").path("address").asLong()).isNotZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.getParent()))).isEqualTo("rwx------");
        EvidenceManifest m = EvidenceManifest.read(EvidenceManifest.pathFor(out));
        assertThat(m.kind()).isEqualTo("isf-symbols");
        assertThat(m.source().name()).isEqualTo(g.name());
        assertThat(m.source().backend()).startsWith("qemu/");
        assertThat(m.complete()).isTrue();
        assertThat(o.toString()).contains(m.sha256());
        assertThat(out.resolveSibling("kernel.json.partial")).doesNotExist();

        int again = Main.run(new String[] {"symbols", "export-isf", "--vm", g.name(), "-o", out.toString()},
                new PrintWriter(new StringWriter(), true), new PrintWriter(e, true));
        assertThat(again).as("evidence is never overwritten").isEqualTo(2);
    }

    /** Killed with SIGKILL while the ISF streams out: no final name, no manifest, only files named partial. */
    @Test
    void aKilledExportLeavesNothingThatLooksComplete(LabGuest g, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("killed/kernel.json");
        Path partial = out.resolveSibling("kernel.json.partial");
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "symbols", "export-isf", "--vm", g.name(), "-o", out.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + java.time.Duration.ofMinutes(3).toNanos();
            while (!(Files.exists(partial) && Files.size(partial) > (256 << 10)) && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(child.isAlive()).as("still writing: %s", Files.readString(dir.resolve("child.log"))).isTrue();
            child.destroyForcibly();
            child.waitFor();
        } finally {
            if (child.isAlive()) child.destroyForcibly();
        }
        assertThat(out).as("no final name").doesNotExist();
        assertThat(EvidenceManifest.pathFor(out)).as("no manifest").doesNotExist();
        try (var s = Files.list(out.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).contains("kernel.json.partial")
                    .allMatch(n -> n.endsWith(".partial"));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(partial))).isEqualTo("rw-------");
        StringWriter e = new StringWriter();
        int again = Main.run(new String[] {"symbols", "export-isf", "--vm", g.name(), "-o", out.toString()},
                new PrintWriter(new StringWriter(), true), new PrintWriter(e, true));
        assertThat(again).as(e.toString()).isEqualTo(2);
        assertThat(e.toString()).contains("kernel.json.partial exists", "an earlier one was killed");
    }

    private static boolean manifestAgrees(Path out) throws Exception {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(out)));
        EvidenceManifest m = EvidenceManifest.read(EvidenceManifest.pathFor(out));
        return sha.equals(m.sha256()) && m.size() == Files.size(out);
    }
}
