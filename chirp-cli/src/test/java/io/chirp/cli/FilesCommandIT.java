package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chirp linux files}: the listing, and the dropper extracted as evidence, held to the guest's sha256sum. */
@WithLabGuest
class FilesCommandIT {

    @Test
    void theDropperIsListedAndExtractedAsEvidence(LabGuest g, @TempDir Path dir) throws Exception {
        String sha = g.shell("sha256sum /tmp/evil_miner", Duration.ofSeconds(120)).strip().split("\\s+")[0];
        CommandTreeTest.Run ls = CommandTreeTest.run("linux", "files", "--vm", g.name(), "--mount", "/tmp", "--format", "json");
        assertThat(ls.code()).as(ls.err()).isEqualTo(ExitCode.OK.code());
        JsonNode miner = null;
        for (JsonNode row : new ObjectMapper().readTree(ls.out())) {
            assertThat(row.get("mountpoint").asText()).isEqualTo("/tmp");
            if (row.get("path").asText().equals("/tmp/evil_miner")) miner = row;
        }
        assertThat(miner).as(ls.out()).isNotNull();
        assertThat(miner.get("type").asText()).isEqualTo("tmpfs");
        assertThat(miner.get("resident_pages").asLong()).isEqualTo(miner.get("pages").asLong());

        Path out = dir.resolve("ev/evil_miner");
        CommandTreeTest.Run x = CommandTreeTest.run("linux", "files", "--vm", g.name(), "--extract", "/tmp/evil_miner",
                "-o", out.toString());
        assertThat(x.code()).as(x.err()).isEqualTo(ExitCode.OK.code());
        assertThat(x.out()).contains("sha256 " + sha);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(out)))).isEqualTo(sha);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("ev/evil_miner.manifest.json").toFile());
        assertThat(manifest.toString()).contains(sha).contains("page-cache").contains("\"inode\":" + miner.get("inode").asLong());

        // the same file by inode number; and never over existing evidence
        CommandTreeTest.Run again = CommandTreeTest.run("linux", "files", "--vm", g.name(), "--inode",
                miner.get("inode").asText(), "--mount", "/tmp", "-o", out.toString());
        assertThat(again.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(again.err()).contains("refusing to overwrite");
        CommandTreeTest.Run none = CommandTreeTest.run("linux", "files", "--vm", g.name(), "--extract", "/tmp/nope",
                "-o", dir.resolve("nope").toString());
        assertThat(none.code()).isEqualTo(ExitCode.ERROR.code());
    }
}
