package io.chirp.disk;

import io.chirp.lab.GuestImageBuilder;
import io.chirp.lab.LabHome;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * chirp-cli's {@code DiskCommand} (which lives there, and which chirp-cli will build against this module) compiled
 * here with its {@code Table} and run through picocli against the lab disk image.
 */
class DiskCommandTest {
    private static final Path CLI_SRC = Path.of("../chirp-cli/src/main/java/io/chirp/cli");
    static Class<?> diskCommand;
    static Path image;
    static Map<String, String> truth;
    @TempDir static Path classes;
    @TempDir Path out;

    @BeforeAll
    static void compile() throws Exception {
        var built = new GuestImageBuilder(LabHome.fromEnvironment()).build();
        image = built.disk();
        truth = built.diskFiles();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter log = new StringWriter();
        int rc = javac.run(null, null, new java.io.PrintStream(new java.io.ByteArrayOutputStream()) {
                    @Override public void write(byte[] b, int off, int len) { log.write(new String(b, off, len)); }
                }, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"), "-proc:none",
                CLI_SRC.resolve("DiskCommand.java").toString(), CLI_SRC.resolve("Table.java").toString());
        assertThat(rc).as(log.toString()).isZero();
        ClassLoader cl = new URLClassLoader(new URL[]{classes.toUri().toURL()}, DiskCommandTest.class.getClassLoader());
        diskCommand = Class.forName("io.chirp.cli.DiskCommand", true, cl);
    }

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) throws Exception {
        var ctor = diskCommand.getDeclaredConstructor();
        ctor.setAccessible(true);
        CommandLine cl = new CommandLine(ctor.newInstance());
        StringWriter o = new StringWriter(), e = new StringWriter();
        cl.setOut(new PrintWriter(o)).setErr(new PrintWriter(e));
        int code = cl.execute(args);
        return new Run(code, o.toString(), e.toString());
    }

    @Test
    void lsTimelineExtractAcquireOnAnImage() throws Exception {
        Run ls = run("ls", "--image", image.toString(), "--path", "/data");
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out()).contains("/data/hello.txt", "/data/link-to-hello -> hello.txt", "rrw-r--r--");
        Run rec = run("ls", "--image", image.toString(), "-r", "--format", "csv");
        assertThat(rec.out().lines().filter(l -> l.startsWith("/many/file-")).count()).isEqualTo(300);
        Run tl = run("timeline", "--image", image.toString());
        assertThat(tl.out()).contains("0|/secret.txt|").contains("|r/rrw-r--r--|");
        Run x = run("extract", "--image", image.toString(), "--path", "/secret.txt", "-o", out.resolve("ev").toString(), "--format", "json");
        assertThat(x.code()).as(x.err()).isZero();
        assertThat(x.out()).contains(truth.get("/secret.txt"));
        Run acq = run("acquire", "--image", image.toString(), "-o", out.resolve("copy.raw").toString());
        assertThat(acq.code()).as(acq.err()).isZero();
        assertThat(acq.err()).contains("acquired 100%");
        assertThat(Files.mismatch(image, out.resolve("copy.raw"))).isEqualTo(-1);
        assertThat(out.resolve("copy.raw.json")).exists();
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
