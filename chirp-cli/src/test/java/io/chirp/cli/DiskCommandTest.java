package io.chirp.cli;

import io.chirp.lab.GuestImageBuilder;
import io.chirp.lab.LabHome;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chirp disk} run through the CLI against the lab's disk image, checked against the image's known files. */
class DiskCommandTest {
    static Path image;
    static Map<String, String> truth;
    @TempDir Path out;

    @BeforeAll
    static void image() {
        var built = new GuestImageBuilder(LabHome.fromEnvironment()).build();
        image = built.disk();
        truth = built.diskFiles();
    }

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "disk";
        System.arraycopy(args, 0, all, 1, args.length);
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(all, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Run(code, o.toString(), e.toString());
    }

    @Test
    void lsTimelineExtractAcquireOnAnImage() throws Exception {
        Run ls = run("ls", "--image", image.toString(), "--path", "/data");
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out()).contains("/data/hello.txt", "-rw-r--r--").doesNotContain("rrw-r--r--").doesNotContain(" -> ");
        Run json = run("ls", "--image", image.toString(), "--path", "/data", "--format", "json");
        var rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
        var link = java.util.stream.StreamSupport.stream(rows.spliterator(), false)
                .filter(r -> r.path("path").asText().equals("/data/link-to-hello")).findFirst().orElseThrow();
        assertThat(link.path("target").asText()).isEqualTo("hello.txt");
        assertThat(link.path("mode").asText()).startsWith("l");
        Run rec = run("ls", "--image", image.toString(), "-r", "--format", "csv");
        assertThat(rec.out().lines().filter(l -> l.startsWith("/many/file-")).count()).isEqualTo(300);
        Run tl = run("timeline", "--image", image.toString());
        // the body file keeps the Sleuth Kit's convention (meta type letter 'r'), as mactime expects
        assertThat(tl.out()).contains("0|/secret.txt|").contains("|r/rrw-r--r--|");
        Run x = run("extract", "--image", image.toString(), "--path", "/secret.txt", "-o", out.resolve("ev").toString(), "--format", "json");
        assertThat(x.code()).as(x.err()).isZero();
        assertThat(x.out()).contains(truth.get("/secret.txt"));
        Run acq = run("acquire", "--image", image.toString(), "-o", out.resolve("copy.raw").toString());
        assertThat(acq.code()).as(acq.err()).isZero();
        assertThat(acq.err()).contains("acquired 100%");
        assertThat(Files.mismatch(image, out.resolve("copy.raw"))).isEqualTo(-1);
        assertThat(out.resolve("copy.raw.manifest.json")).exists();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("copy.raw")))).isEqualTo("rw-------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("copy.raw.manifest.json")))).isEqualTo("rw-------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("ev")))).isEqualTo("rwx------");
        assertThat(run("acquire", "--image", image.toString(), "-o", out.resolve("copy.raw").toString()).err()).contains("refusing to overwrite");
    }

    @Test
    void usageAndDataErrorsAreReported() throws Exception {
        assertThat(run("ls").code()).isEqualTo(2); // picocli: missing --vm/--image
        Run missing = run("ls", "--image", out.resolve("nope.img").toString());
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err()).contains("no such disk image");
        Files.write(out.resolve("zeros.img"), new byte[1 << 20]);
        assertThat(run("ls", "--image", out.resolve("zeros.img").toString()).err()).contains("unsupported file system");
    }
}
