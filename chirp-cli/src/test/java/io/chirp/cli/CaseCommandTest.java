package io.chirp.cli;

import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.evidence.store.Actor;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.evidence.store.StoredArtifact;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static io.chirp.cli.EvidenceCommandTest.chirp;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code chirp case ...}, {@code chirp evidence list/export/delete} and {@code chirp evidence verify BUNDLE}. */
class CaseCommandTest {
    @TempDir Path dir;

    @Test
    void aCaseIsOpenedFilledExportedAndItsBundleVerifiedThenTamperingIsNamed() throws Exception {
        String store = dir.resolve("evidence").toString();
        EvidenceCommandTest.Run created = chirp("case", "create", "web1 intrusion", "--store", store);
        assertThat(created.code()).as(created.err()).isZero();
        String caseId = created.out().strip();
        assertThat(caseId).matches("c-[0-9a-f]{16}");
        StoredArtifact a;
        try (EvidenceStore s = EvidenceStore.open(Path.of(store))) {
            a = s.collect(Actor.cli(), null, folder -> {
                try (EvidenceWriter w = EvidenceWriter.create(folder.resolve("web1.elf"))) {
                    byte[] b = "memory of web1".getBytes(StandardCharsets.UTF_8);
                    w.write(b, 0, b.length);
                    w.commit(new EvidenceWriter.Description("memory-image", "ELF_CORE",
                            new EvidenceManifest.Source("web1", "qemu/migration", Map.of()), "migration", true, List.of(), Map.of()));
                }
            }).getFirst();
        }
        assertThat(chirp("case", "add-vm", caseId, "web1", "--store", store).code()).isZero();
        assertThat(chirp("case", "add-artifact", caseId, a.id(), "--store", store).code()).isZero();
        EvidenceCommandTest.Run shown = chirp("case", "show", caseId, "--store", store, "--format", "csv");
        assertThat(shown.out()).contains("vm,web1", "artifact," + a.id());
        assertThat(chirp("case", "list", "--store", store).out()).contains(caseId, "web1 intrusion");
        assertThat(chirp("evidence", "list", "--store", store, "--case", caseId, "--format", "csv").out()).contains(a.sha256());

        Path bundle = dir.resolve("case.zip");
        EvidenceCommandTest.Run ex = chirp("case", "export", caseId, "-o", bundle.toString(), "--store", store,
                "--events", dir.resolve("none.db").toString());
        assertThat(ex.code()).as(ex.err()).isZero();
        String head = ex.out().lines().filter(l -> l.startsWith("head")).findFirst().orElseThrow().split("\\s+")[1];
        EvidenceCommandTest.Run ok = chirp("evidence", "verify", bundle.toString(), "--head", head);
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("bundle intact", caseId, "1 artifacts");
        assertThat(chirp("evidence", "verify", bundle.toString(), "--head", "0".repeat(64)).code()).as("another head").isEqualTo(1);

        String file = "artifacts/" + a.id() + "/web1.elf";
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(bundle))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) m.put(e.getName(), in.readAllBytes());
        }
        m.put(file, "memory of web2".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(b)) {
            for (var e : m.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        Files.write(bundle, b.toByteArray());
        EvidenceCommandTest.Run bad = chirp("evidence", "verify", bundle.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("TAMPERED: " + file + ": TAMPERED_FILE", "FAILED verification");

        Path copy = dir.resolve("copy.elf");
        assertThat(chirp("evidence", "export", a.id(), "-o", copy.toString(), "--store", store).code()).isZero();
        assertThat(copy).hasContent("memory of web1");
        assertThat(chirp("evidence", "delete", a.id(), "--reason", "test", "--store", store).code()).isZero();
        try (EvidenceStore s = EvidenceStore.open(Path.of(store))) {
            assertThat(s.custody()).extracting(r -> r.action()).containsExactly("case create", "collect", "case add vm",
                    "assign", "case export", "export", "delete");
            assertThat(s.verifyCustody().intact()).isTrue();
        }
    }
}
