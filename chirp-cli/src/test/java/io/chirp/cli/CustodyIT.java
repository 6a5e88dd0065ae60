package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.events.custody.CustodyLog;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.evidence.Custody;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chain of custody end to end: {@code chirp acquire} and {@code chirp disk extract} on a lab guest each leave a
 * custody record whose SHA-256 is the artifact's; {@code chirp evidence custody} lists them; a record tampered in
 * the database is named by {@code chirp evidence verify-custody}. The tampering is done on a snapshot of the log
 * ({@code VACUUM INTO}), never on the operator's own.
 */
@WithLabGuest
class CustodyIT {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    static Run chirp(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Run(code, o.toString(), e.toString());
    }

    @Test
    void acquisitionAndExtractionAreInTheChainAndTamperingIsNamed(LabGuest g) throws Exception {
        Path mem = dir.resolve("mem.elf");
        Run acq = chirp("acquire", "--vm", g.name(), "--quiet", "-o", mem.toString());
        assertThat(acq.code()).as(acq.err()).isZero();
        Run x = chirp("disk", "extract", "--vm", g.name(), "--path", "/secret.txt", "-o", dir.resolve("ev").toString());
        assertThat(x.code()).as(x.err()).isZero();
        Path extracted;
        try (var s = Files.list(dir.resolve("ev"))) {
            extracted = s.filter(p -> !p.getFileName().toString().endsWith(".manifest.json")).findFirst().orElseThrow();
        }

        CustodyRecord memRecord, fileRecord;
        try (CustodyLog log = Custody.open()) {
            memRecord = only(log.recordsFor(mem.toAbsolutePath().normalize().toString()));
            fileRecord = only(log.recordsFor(extracted.toAbsolutePath().normalize().toString()));
        }
        assertThat(memRecord.sha256()).isEqualTo(sha256(mem));
        assertThat(memRecord.action()).isEqualTo("memory-image");
        assertThat(memRecord.actor()).isEqualTo(System.getProperty("user.name"));
        assertThat(memRecord.detail()).contains("source=" + g.name(), "tool=chirp " + io.chirp.core.ChirpVersion.current());
        assertThat(fileRecord.sha256()).isEqualTo(sha256(extracted));
        assertThat(fileRecord.action()).isEqualTo("extracted-file");
        assertThat(fileRecord.detail()).contains("backend=qemu/nbd-fleece", "method=extract");

        Run listed = chirp("evidence", "custody", "--artifact", memRecord.sha256(), "--format", "json");
        assertThat(listed.code()).as(listed.err()).isZero();
        JsonNode rows = new ObjectMapper().readTree(listed.out());
        assertThat(rows).anySatisfy(r -> assertThat(r.path("seq").asLong()).isEqualTo(memRecord.seq()));
        assertThat(rows).allSatisfy(r -> assertThat(r.path("sha256").asText()).isEqualTo(memRecord.sha256()));

        Path copy = dir.resolve("custody-copy.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + Custody.logFile());
             Statement s = c.createStatement()) {
            s.execute("VACUUM INTO '" + copy.toString().replace("'", "''") + "'");
        }
        Run intact = chirp("evidence", "verify-custody", "--store", copy.toString());
        assertThat(intact.code()).as(intact.err()).isZero();
        assertThat(intact.out()).contains("custody log intact");

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy);
             Statement s = c.createStatement()) {
            s.execute("DROP TRIGGER custody_no_update");
            s.executeUpdate("UPDATE custody SET sha256 = '" + "0".repeat(64) + "' WHERE seq = " + fileRecord.seq());
        }
        Run broken = chirp("evidence", "verify-custody", "--store", copy.toString());
        assertThat(broken.code()).isEqualTo(1);
        assertThat(broken.err()).contains("BROKEN at record " + fileRecord.seq(), "altered", extracted.getFileName().toString());
    }

    @Test
    void withStoreTheEvidenceIsContentAddressedAndInTheStoresOwnChain(LabGuest g) throws Exception {
        Path store = dir.resolve("evidence");
        Run acq = chirp("acquire", "--vm", g.name(), "--quiet", "--store", store.toString());
        assertThat(acq.code()).as(acq.err()).isZero();
        Run x = chirp("disk", "extract", "--vm", g.name(), "--path", "/secret.txt", "--store", store.toString());
        assertThat(x.code()).as(x.err()).isZero();
        Run listed = chirp("evidence", "list", "--store", store.toString(), "--format", "json");
        assertThat(listed.code()).as(listed.err()).isZero();
        JsonNode rows = new ObjectMapper().readTree(listed.out());
        assertThat(rows).hasSize(2);
        try (var s = io.chirp.evidence.store.EvidenceStore.open(store)) {
            List<io.chirp.evidence.store.StoredArtifact> all = s.list();
            assertThat(all).extracting(io.chirp.evidence.store.StoredArtifact::kind).containsExactly("memory-image", "extracted-file");
            for (var a : all) {
                assertThat(s.blob(a)).isEqualTo(store.resolve("sha256/" + a.sha256().substring(0, 2) + "/" + a.sha256()));
                assertThat(sha256(s.blob(a))).isEqualTo(a.sha256());
                assertThat(a.vm()).isEqualTo(g.name());
                assertThat(acq.err() + x.err()).contains("stored artifact " + a.id());
            }
            assertThat(s.custody()).extracting(CustodyRecord::action).containsExactly("collect", "collect");
            assertThat(s.custody().get(0).detail()).contains("via=cli", "automatic=false", "source=" + g.name());
            assertThat(s.verifyCustody().intact()).isTrue();
            try (CustodyLog log = Custody.open()) {
                assertThat(log.records()).as("not also in the default log").noneSatisfy(r ->
                        assertThat(r.sha256()).isEqualTo(all.getFirst().sha256()));
            }
        }
    }

    private static CustodyRecord only(List<CustodyRecord> records) {
        assertThat(records).hasSize(1);
        return records.getFirst();
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] b = new byte[1 << 20];
            for (int n; (n = in.read(b)) > 0; ) md.update(b, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
