package io.chirp.cli;

import io.chirp.events.custody.CustodyLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chirp evidence custody} and {@code verify-custody} on a log of their own ({@code --store}). */
class EvidenceCommandTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    static Run chirp(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Run(code, o.toString(), e.toString());
    }

    @Test
    void listsFiltersAndNamesTheTamperedRecord() throws Exception {
        Path db = dir.resolve("events.db");
        String a = "a".repeat(64), b = "b".repeat(64);
        try (CustodyLog log = CustodyLog.open(db)) {
            log.append("memory-image", dir.resolve("mem.elf"), a, "source=web1");
            log.append("extracted-file", dir.resolve("ev/inode-12-x"), b, "source=web1");
            log.append("pcap", dir.resolve("net.pcap"), a, null);
        }
        Run all = chirp("evidence", "custody", "--store", db.toString(), "--format", "csv");
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out().lines()).hasSize(4); // header + 3
        Run bySha = chirp("evidence", "custody", "--store", db.toString(), "--artifact", "aaaaaaaa", "--format", "csv");
        assertThat(bySha.out()).contains("mem.elf", "net.pcap").doesNotContain("inode-12-x");
        Run byPath = chirp("evidence", "custody", "--store", db.toString(), "--artifact", dir.resolve("ev/inode-12-x").toString());
        assertThat(byPath.out()).contains("inode-12-x").doesNotContain("mem.elf");

        Run ok = chirp("evidence", "verify-custody", "--store", db.toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("intact: 3 records");

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("DROP TRIGGER custody_no_update");
            s.executeUpdate("UPDATE custody SET actor = 'mallory' WHERE seq = 2");
        }
        Run bad = chirp("evidence", "verify-custody", "--store", db.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("BROKEN at record 2", "altered", "mallory", "inode-12-x");

        Run missing = chirp("evidence", "custody", "--store", dir.resolve("none.db").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("no custody log at");
    }
}
