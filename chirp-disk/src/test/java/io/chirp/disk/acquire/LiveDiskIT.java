package io.chirp.disk.acquire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.disk.DiskTarget;
import io.chirp.disk.HostTool;
import io.chirp.disk.fs.BodyFile;
import io.chirp.disk.fs.ExtractedFile;
import io.chirp.disk.fs.Extractor;
import io.chirp.disk.fs.FileSystem;
import io.chirp.disk.fs.FileSystems;
import io.chirp.disk.fs.FileWalker;
import io.chirp.disk.fs.Listing;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A running lab guest writes new files; CHIRP fleeces its disk, lists and extracts from the live view, and acquires
 * it. Oracles: fls/icat on the acquired raw image (same point in time), qemu-img compare for the qcow2 output.
 */
@WithLabGuest(shared = false)
class LiveDiskIT {
    private static final Duration T = Duration.ofMinutes(5);
    @TempDir Path dir;

    @Test
    void liveViewListsExtractsAndAcquiresMatchingTheSleuthKit(LabGuest g) throws Exception {
        String content = "written by the guest after boot " + System.nanoTime();
        g.shell("mkdir -p /mnt/data/new && for i in 1 2 3; do echo '" + content + "' > /mnt/data/new/live-$i.txt; done; sync",
                Duration.ofSeconds(90));
        Path raw = dir.resolve("disk.raw");
        Path qcow = dir.resolve("disk.qcow2");
        AtomicLong last = new AtomicLong();
        Listing live;
        ExtractedFile extracted;
        try (DiskTarget t = DiskTarget.vm(g.name(), Optional.empty())) {
            try (FileSystem fs = FileSystems.open(t.source())) {
                live = FileWalker.walk(fs);
                extracted = Extractor.extractPath(fs, "/new/live-2.txt", dir.resolve("evidence"));
            }
            AcquiredDisk a = DiskAcquisition.acquire(t, raw, DiskAcquisition.Format.RAW, (done, total) -> last.set(done));
            assertThat(last.get()).isEqualTo(t.source().size());
            assertThat(a.contentSha256()).isEqualTo(sha256(Files.readAllBytes(raw)));
            AcquiredDisk q = DiskAcquisition.acquire(t, qcow, DiskAcquisition.Format.QCOW2, DiskAcquisition.Progress.NONE);
            assertThat(q.contentSha256()).as("same point in time").isEqualTo(a.contentSha256());
            assertThat(q.fileSha256()).isEqualTo(sha256(Files.readAllBytes(qcow)));
            JsonNode m = new ObjectMapper().readTree(q.manifest().toFile());
            assertThat(m.path("source").path("name").asText()).isEqualTo(g.name());
            assertThat(m.path("source").path("backend").asText()).isEqualTo("qemu/nbd-fleece");
            assertThat(m.path("source").path("identity").path("node").asText()).isEqualTo("disk0");
            assertThat(m.path("method").asText()).isEqualTo("consistent");
            assertThat(m.path("sha256").asText()).isEqualTo(q.fileSha256());
            assertThat(m.path("details").path("content_sha256").asText()).isEqualTo(a.contentSha256());
        }
        assertThat(dir.toFile().list()).noneMatch(n -> n.endsWith(".partial"));
        HostTool.text(T, "qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), qcow.toString());
        assertThat(live.partial()).as("problems %s", live.problems()).isFalse();
        StringWriter body = new StringWriter();
        BodyFile.write(live, "/", new PrintWriter(body));
        TreeSet<String> ours = new TreeSet<>(Arrays.asList(body.toString().split("\n")));
        TreeSet<String> fls = new TreeSet<>(Arrays.asList(HostTool.text(T, "fls", "-r", "-m", "/", raw.toString()).split("\n")));
        assertThat(ours).isEqualTo(fls);
        assertThat(ours).anyMatch(l -> l.startsWith("0|/new/live-3.txt|"));
        assertThat(Files.readString(extracted.output(), StandardCharsets.UTF_8)).isEqualTo(content + "\n");
        byte[] icat = HostTool.run(T, List.of("icat", raw.toString(), Long.toString(extracted.inode())));
        assertThat(extracted.sha256()).isEqualTo(sha256(icat));
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
