package io.chirp.evidence;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvidenceWriterTest {
    private static final EvidenceWriter.Description DESC = new EvidenceWriter.Description("memory-image", "RAW",
            new EvidenceManifest.Source("vm\"1\n", "qemu/shared_ram", Map.of("qemu_pid", "42")), "live", true,
            List.of("VM paused 12 ms"), Map.of("vcpus", 1, "layout", List.of(Map.of("start", "0x0"))));

    @Test
    void committedFileIsWholeHashedOwnerOnlyAndDescribed(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("new/deeper/mem.raw");
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        EvidenceManifest m;
        try (EvidenceWriter w = EvidenceWriter.create(out)) {
            assertThat(w.partial()).exists().hasFileName("mem.raw.partial");
            assertThat(out).doesNotExist();
            for (int off = 0; off < data.length; off += 1 << 20) w.write(data, off, 1 << 20);
            m = w.commit(DESC);
        }
        assertThat(out).exists();
        assertThat(EvidenceWriter.partialOf(out)).doesNotExist();
        assertThat(m.sha256()).isEqualTo(sha256(Files.readAllBytes(out))).isEqualTo(sha256(data));
        assertThat(m.size()).isEqualTo(data.length).isEqualTo(Files.size(out));
        assertThat(mode(out)).isEqualTo("rw-------");
        assertThat(mode(EvidenceManifest.pathFor(out))).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("new"))).as("folders it creates").isEqualTo("rwx------");
        assertThat(mode(dir.resolve("new/deeper"))).isEqualTo("rwx------");

        EvidenceManifest back = EvidenceManifest.read(EvidenceManifest.pathFor(out));
        assertThat(back.artifact()).isEqualTo("mem.raw");
        assertThat(back.sha256()).isEqualTo(m.sha256());
        assertThat(back.source().name()).as("hostile names survive JSON").isEqualTo("vm\"1\n");
        assertThat(back.complete()).isTrue();
        assertThat(back.notes()).containsExactly("VM paused 12 ms");
        assertThat(back.details()).containsEntry("vcpus", 1);
        assertThat(back.started()).isBeforeOrEqualTo(back.finished());
        assertThat(Files.readString(EvidenceManifest.pathFor(out))).contains("\"schema\" : \"chirp-evidence/1\"");
    }

    @Test
    void aFailureBeforeCommitLeavesNothing(@TempDir Path dir) {
        Path out = dir.resolve("mem.raw");
        assertThatThrownBy(() -> {
            try (EvidenceWriter w = EvidenceWriter.create(out)) {
                w.write(ByteBuffer.wrap(new byte[4096]));
                throw ChirpException.unavailable("source vanished");
            }
        }).hasMessageContaining("source vanished");
        assertThat(out).doesNotExist();
        assertThat(EvidenceWriter.partialOf(out)).doesNotExist();
        assertThat(EvidenceManifest.pathFor(out)).doesNotExist();
    }

    @Test
    void anInterruptedWriteIsReportedAndCleanedUp(@TempDir Path dir) {
        Path out = dir.resolve("mem.raw");
        try (EvidenceWriter w = EvidenceWriter.create(out)) {
            Thread.currentThread().interrupt();
            assertThatThrownBy(() -> w.write(ByteBuffer.wrap(new byte[4096])))
                    .isInstanceOfSatisfying(ChirpException.class,
                            e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.INTERRUPTED));
        } finally {
            Thread.interrupted();
        }
        assertThat(EvidenceWriter.partialOf(out)).doesNotExist();
        assertThat(out).doesNotExist();
    }

    @Test
    void neverOverwritesEvidenceOrAnotherWritersPartial(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("mem.raw");
        Files.writeString(out, "earlier");
        assertThatThrownBy(() -> EvidenceWriter.create(out)).hasMessageContaining("refusing to overwrite");
        Path other = dir.resolve("other.raw");
        Files.writeString(EvidenceWriter.partialOf(other), "someone else's");
        assertThatThrownBy(() -> EvidenceWriter.create(other)).hasMessageContaining("exists");
        assertThat(Files.readString(EvidenceWriter.partialOf(other))).as("left alone").isEqualTo("someone else's");
        Path third = dir.resolve("third.raw");
        Files.writeString(EvidenceManifest.pathFor(third), "{}");
        assertThatThrownBy(() -> EvidenceWriter.create(third)).hasMessageContaining("refusing to overwrite");
    }

    @Test
    void aFileAppearingUnderTheFinalNameIsNotReplaced(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("mem.raw");
        try (EvidenceWriter w = EvidenceWriter.create(out)) {
            w.write(ByteBuffer.wrap("ours".getBytes(StandardCharsets.US_ASCII)));
            Files.writeString(out, "theirs");
            assertThatThrownBy(() -> w.commit(DESC)).hasMessageContaining("refusing to overwrite");
        }
        assertThat(Files.readString(out)).isEqualTo("theirs");
        assertThat(EvidenceWriter.partialOf(out)).doesNotExist();
        assertThat(EvidenceManifest.pathFor(out)).doesNotExist();
    }

    @Test
    void aCommitThatCannotReachTheDiskLeavesNoFinalName(@TempDir Path dir) throws IOException {
        Path sub = dir.resolve("gone");
        Path out = sub.resolve("mem.raw");
        try (EvidenceWriter w = EvidenceWriter.create(out)) {
            w.write(ByteBuffer.wrap(new byte[8192]));
            // the folder vanishes under the writer: the data fsync succeeds on the open file, the manifest and the
            // rename cannot
            Files.delete(w.partial());
            Files.delete(sub);
            assertThatThrownBy(() -> w.commit(DESC)).isInstanceOfSatisfying(ChirpException.class,
                    e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.IO));
        }
        assertThat(out).doesNotExist();
        assertThat(EvidenceManifest.pathFor(out)).doesNotExist();
    }

    @Test
    void foldersCanBeFsyncedAndAMissingOneIsAnError(@TempDir Path dir) throws IOException {
        EvidenceWriter.fsyncDirectory(dir);
        assertThatThrownBy(() -> EvidenceWriter.fsyncDirectory(dir.resolve("missing"))).isInstanceOf(IOException.class);
    }

    @Test
    void anIncompleteDescriptionSaysWhy(@TempDir Path dir) {
        Path out = dir.resolve("mem.raw");
        EvidenceManifest m;
        try (EvidenceWriter w = EvidenceWriter.create(out)) {
            w.write(ByteBuffer.wrap(new byte[16]));
            m = w.commit(DESC.incomplete("source vanished during the copy"));
        }
        EvidenceManifest back = EvidenceManifest.read(EvidenceManifest.pathFor(out));
        assertThat(back.complete()).isFalse();
        assertThat(back.notes()).containsExactly("VM paused 12 ms", "source vanished during the copy");
        assertThat(m.complete()).isFalse();
    }

    @Test
    void aStrangersJsonIsNotTakenForAManifest(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x.manifest.json");
        Files.writeString(f, "{\"image\": \"x\"}");
        assertThatThrownBy(() -> EvidenceManifest.read(f)).hasMessageContaining("not a chirp-evidence/1 manifest");
    }

    @Test
    void aCommitAppendsACustodyRecordWithTheArtifactsHash(@TempDir Path dir) throws Exception {
        // surefire points chirp.home at the build folder: this is the log EvidenceWriter really writes to
        assertThat(Custody.logFile()).startsWith(Path.of(System.getProperty("chirp.home")));
        Path out = dir.resolve("custody.raw");
        EvidenceManifest m;
        try (EvidenceWriter w = EvidenceWriter.create(out)) {
            w.write(ByteBuffer.wrap("evidence".getBytes(StandardCharsets.UTF_8)));
            m = w.commit(DESC);
        }
        try (var log = Custody.open()) {
            var recs = log.recordsFor(out.toAbsolutePath().normalize().toString());
            assertThat(recs).hasSize(1);
            var r = recs.getFirst();
            assertThat(r.sha256()).isEqualTo(m.sha256()).isEqualTo(sha256(Files.readAllBytes(out)));
            assertThat(r.action()).isEqualTo("memory-image");
            assertThat(r.actor()).isEqualTo(System.getProperty("user.name"));
            assertThat(r.detail()).contains("backend=qemu/shared_ram", "method=live", "tool=chirp " + EvidenceWriter.toolVersion());
            assertThat(log.verify().intact()).isTrue();
        }
    }

    @Test
    void holesAreHashedAsZerosAndStaySparse(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sparse.bin");
        EvidenceManifest m;
        try (EvidenceWriter w = EvidenceWriter.create(out)) {
            w.write(new byte[] {1, 2, 3}, 0, 3);
            w.hole(64L << 20);
            w.write(new byte[] {4}, 0, 1);
            w.hole(8L << 20); // a trailing hole still counts in the size
            m = w.commit(DESC);
        }
        byte[] expect = new byte[3 + (64 << 20) + 1 + (8 << 20)];
        expect[0] = 1; expect[1] = 2; expect[2] = 3; expect[3 + (64 << 20)] = 4;
        assertThat(Files.size(out)).isEqualTo(expect.length).isEqualTo(m.size());
        assertThat(m.sha256()).isEqualTo(sha256(Files.readAllBytes(out))).isEqualTo(sha256(expect));
        // st_blocks is not among Java's attributes; stat(1) reports it (512-byte units)
        Process stat = new ProcessBuilder("stat", "-c", "%b", out.toString()).start();
        long allocated = Long.parseLong(new String(stat.getInputStream().readAllBytes()).trim()) * 512;
        assertThat(stat.waitFor()).isZero();
        assertThat(allocated).as("holes are not written").isLessThan(1 << 20);
    }

    @Test
    void aToolsFileIsTakenOverHashedAndCommitted(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tool.qcow2");
        byte[] data = "made by a tool".getBytes(StandardCharsets.UTF_8);
        EvidenceManifest m;
        try (EvidenceWriter w = EvidenceWriter.fromTool(out, p -> Files.write(p, data))) {
            assertThat(w.partial()).exists();
            assertThat(mode(w.partial())).isEqualTo("rw-------");
            assertThatThrownBy(() -> w.write(data, 0, 1)).isInstanceOf(IllegalStateException.class);
            m = w.commit(DESC);
        }
        assertThat(m.sha256()).isEqualTo(sha256(data));
        assertThat(m.size()).isEqualTo(data.length);
        assertThat(out.resolveSibling("tool.qcow2.partial.d")).doesNotExist();

        Path failed = dir.resolve("failed.qcow2");
        assertThatThrownBy(() -> EvidenceWriter.fromTool(failed, p -> { throw new IOException("tool died"); }))
                .hasMessageContaining("tool died");
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("failed"));
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /**
     * writeSparse: the file reads back byte for byte what was given (zero pages included, wherever they fall in a
     * buffer, whatever the buffer's length), the hash is that of those bytes, the zero pages are holes the manifest
     * counts, and the disk holds fewer blocks than the file's length.
     */
    @Test
    void sparseWritesReadBackTheSameBytesAndLeaveZeroPagesAsHoles(@TempDir Path dir) throws Exception {
        Random r = new Random(16);
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        Path out = dir.resolve("sparse.img");
        long zeroPages = 0;
        EvidenceManifest m;
        try (EvidenceWriter w = EvidenceWriter.create(out)) {
            byte[] header = "header bytes, not page sized".getBytes(StandardCharsets.US_ASCII);
            w.write(header, 0, header.length);
            expected.write(header);
            for (int chunk = 0; chunk < 12; chunk++) {
                int pages = 1 + r.nextInt(200);
                byte[] b = new byte[pages * 4096 + (chunk % 3 == 0 ? 123 : 0)];   // a ragged tail now and then
                for (int p = 0; p < pages; p++) {
                    if (r.nextInt(3) == 0) {
                        zeroPages++;   // left zero
                    } else {
                        int at = p * 4096 + r.nextInt(4096);
                        b[at] = (byte) (1 + r.nextInt(255));   // one non-zero byte anywhere makes it data
                    }
                }
                w.writeSparse(ByteBuffer.wrap(b));
                expected.write(b);
            }
            byte[] zeros = new byte[8 << 20];   // one long run of zeros at the end: a trailing hole
            w.writeSparse(ByteBuffer.wrap(zeros));
            expected.write(zeros);
            assertThat(Files.size(w.partial())).as("the partial file's length keeps up").isEqualTo(w.size());
            zeroPages += zeros.length / 4096;
            m = w.commit(DESC);
        }
        byte[] want = expected.toByteArray();
        assertThat(Files.size(out)).isEqualTo(want.length);
        assertThat(Files.readAllBytes(out)).isEqualTo(want);
        assertThat(m.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(want)));
        assertThat(m.size()).isEqualTo(want.length);
        // a buffer ending in a zero page has that page written (the file's length shows the progress): 13 buffers
        assertThat(((Number) m.details().get("hole_bytes")).longValue()).isBetween((zeroPages - 13) * 4096, zeroPages * 4096);
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", out.toString()).start();
        String[] st = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip().split(" ");
        assertThat(stat.waitFor()).isZero();
        long allocated = Long.parseLong(st[0]) * Long.parseLong(st[1]);
        assertThat(allocated).as("allocated bytes").isLessThan(want.length - (8L << 20));
    }

    /** Writes large enough to be hashed on the hasher thread, mixed with small inline ones and holes, keep their order. */
    @Test
    void hashingOnTheHasherThreadKeepsTheOrderOfWritesAndHoles(@TempDir Path dir) throws Exception {
        Random r = new Random(17);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        Path out = dir.resolve("mixed.bin");
        EvidenceManifest m;
        try (EvidenceWriter w = EvidenceWriter.create(out)) {
            for (int i = 0; i < 40; i++) {
                int kind = r.nextInt(3);
                int n = kind == 0 ? r.nextInt(1000) : (256 << 10) + r.nextInt(2 << 20);
                if (kind == 2) {
                    w.hole(n);
                    md.update(new byte[n]);
                } else {
                    byte[] b = new byte[n];
                    r.nextBytes(b);
                    w.write(b, 0, n);
                    md.update(b);
                }
            }
            m = w.commit(DESC);
        }
        assertThat(m.sha256()).isEqualTo(HexFormat.of().formatHex(md.digest()));
        MessageDigest back = MessageDigest.getInstance("SHA-256");
        assertThat(HexFormat.of().formatHex(back.digest(Files.readAllBytes(out)))).isEqualTo(m.sha256());
    }
}
