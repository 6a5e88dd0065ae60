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

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
