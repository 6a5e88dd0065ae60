package io.chirp.evidence.store;

import io.chirp.core.ChirpException;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvidenceStoreTest {
    static final EvidenceWriter.Description DESC = new EvidenceWriter.Description("memory-image", "RAW",
            new EvidenceManifest.Source("web1", "qemu/shared_ram", Map.of()), "migration", true, List.of(), Map.of());

    /** A producer writing one evidence file named {@code name} holding {@code text}. */
    static EvidenceStore.Producer file(String name, String text) {
        return folder -> {
            try (EvidenceWriter w = EvidenceWriter.create(folder.resolve(name))) {
                byte[] b = text.getBytes(StandardCharsets.UTF_8);
                w.write(b, 0, b.length);
                w.commit(DESC);
            }
        };
    }

    @Test
    void collectionIsContentAddressedOwnerOnlyAndRecordedInTheChain(@TempDir Path dir) throws Exception {
        try (EvidenceStore s = EvidenceStore.open(dir.resolve("evidence"))) {
            List<StoredArtifact> got = s.collect(Actor.api("alice", "127.0.0.1"), null, file("web1.raw", "memory"));
            assertThat(got).hasSize(1);
            StoredArtifact a = got.getFirst();
            assertThat(a.sha256()).isEqualTo(EvidenceStore.sha256(s.blob(a)));
            assertThat(a.path()).isEqualTo("sha256/" + a.sha256().substring(0, 2) + "/" + a.sha256());
            assertThat(s.blob(a)).hasContent("memory");
            assertThat(EvidenceManifest.pathFor(s.blob(a))).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.blob(a)))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.root()))).isEqualTo("rwx------");
            assertThat(a.vm()).isEqualTo("web1");
            assertThat(a.actor()).isEqualTo("alice");
            assertThat(s.root().resolve("incoming")).isEmptyDirectory();

            try (InputStream in = s.view(a.id(), Actor.api("bob", "127.0.0.2"), "download")) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("memory");
            }
            s.export(a.id(), Actor.cli(), dir.resolve("out/copy.raw"));
            assertThat(dir.resolve("out/copy.raw")).hasContent("memory");
            assertThat(s.verify(a.id(), Actor.cli())).isTrue();
            s.delete(a.id(), Actor.cli(), "test over");
            assertThat(s.blob(a)).doesNotExist();
            assertThat(s.list()).isEmpty();

            List<CustodyRecord> log = s.custody();
            assertThat(log).extracting(CustodyRecord::action).containsExactly("collect", "view", "export", "verify", "delete");
            assertThat(log).allSatisfy(r -> {
                assertThat(r.artifact()).isEqualTo(a.path());
                assertThat(r.sha256()).isEqualTo(a.sha256());
                assertThat(r.detail()).contains("artifact=" + a.id());
            });
            assertThat(log.get(0).actor()).isEqualTo("alice");
            assertThat(log.get(0).detail()).contains("via=api", "from=127.0.0.1", "automatic=false", "method=migration");
            assertThat(log.get(1).actor()).isEqualTo("bob");
            assertThat(log.get(1).detail()).contains("purpose=download");
            assertThat(s.verifyCustody().intact()).isTrue();
        }
    }

    @Test
    void sameBytesTwiceAreOneBlobTwoArtifacts(@TempDir Path dir) {
        try (EvidenceStore s = EvidenceStore.open(dir)) {
            StoredArtifact a = s.collect(Actor.cli(), null, file("a.raw", "same")).getFirst();
            StoredArtifact b = s.collect(Actor.automatic("resp-1", "alert-9"), null, file("b.raw", "same")).getFirst();
            assertThat(a.id()).isNotEqualTo(b.id());
            assertThat(s.blob(a)).isEqualTo(s.blob(b));
            assertThat(b.automatic()).isTrue();
            assertThat(b.alertId()).isEqualTo("alert-9");
            assertThat(s.listAlert("alert-9")).extracting(StoredArtifact::id).containsExactly(b.id());
            s.delete(a.id(), Actor.cli(), "dup");
            assertThat(s.blob(b)).as("still used by b").exists();
            assertThat(s.custody().get(1).detail()).contains("automatic=true", "alert=alert-9", "rule=resp-1");
        }
    }

    @Test
    void aFileCommittedOnAnotherThreadIsStillCollectedAndRecorded(@TempDir Path dir) {
        try (EvidenceStore s = EvidenceStore.open(dir.resolve("ev"))) {
            System.setProperty("chirp.home", dir.resolve("home").toString());
            List<StoredArtifact> got = s.collect(Actor.cli(), null, folder -> {
                Thread t = Thread.ofPlatform().start(() -> {
                    try {
                        file("x.raw", "other thread").produce(folder);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                t.join();
            });
            assertThat(got).hasSize(1);
            assertThat(s.custody()).singleElement().satisfies(r -> assertThat(r.detail()).contains("recorded at ingest"));
        } finally {
            System.clearProperty("chirp.home");
        }
    }

    @Test
    void aProducerFailureStillCollectsWhatWasCommittedAndReportsTheFailure(@TempDir Path dir) {
        try (EvidenceStore s = EvidenceStore.open(dir)) {
            assertThatThrownBy(() -> s.collect(Actor.cli(), null, folder -> {
                file("first.raw", "kept").produce(folder);
                throw ChirpException.unavailable("VM went away");
            })).hasMessageContaining("VM went away");
            assertThat(s.list()).extracting(StoredArtifact::name).containsExactly("first.raw");
            assertThat(s.root().resolve("incoming")).isEmptyDirectory();
        }
    }

    @Test
    void casesGroupVmsAlertsAndArtifactsWithCustody(@TempDir Path dir) {
        try (EvidenceStore s = EvidenceStore.open(dir)) {
            Cases.Case c = s.cases().create("web1 intrusion", "reported by SOC", Actor.cli());
            assertThat(c.id()).matches(Cases.ID);
            s.cases().addVm(c.id(), "web1", Actor.cli());
            s.cases().addVm(c.id(), "web1", Actor.cli()); // again: nothing new
            s.cases().addAlert(c.id(), "al-1", "{\"rule_id\":\"r\"}", Actor.cli());
            StoredArtifact a = s.collect(Actor.cli(), c.id(), file("m.raw", "x")).getFirst();
            StoredArtifact b = s.collect(Actor.cli(), null, file("n.raw", "y")).getFirst();
            s.cases().addArtifact(c.id(), b.id(), Actor.cli());
            assertThat(s.listCase(c.id())).extracting(StoredArtifact::id).containsExactly(a.id(), b.id());
            assertThat(s.cases().members(c.id())).extracting(Cases.Member::ref).containsExactly("web1", "al-1");
            assertThat(s.cases().ofAlert("al-1")).extracting(Cases.Case::id).containsExactly(c.id());
            assertThat(s.cases().forAuto("vm:web1", "auto", Actor.automatic("r", "al-2")).id())
                    .isEqualTo(s.cases().forAuto("vm:web1", "auto", Actor.automatic("r", "al-3")).id());
            assertThat(s.custody()).extracting(CustodyRecord::action)
                    .containsExactly("case create", "case add vm", "case add alert", "collect", "collect", "assign", "case create");
            assertThatThrownBy(() -> s.collect(Actor.cli(), "c-0000000000000000", file("z", "z")))
                    .isInstanceOf(ChirpException.class).hasMessageContaining("no case");
        }
    }
}
