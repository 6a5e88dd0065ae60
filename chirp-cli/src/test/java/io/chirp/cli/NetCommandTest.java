package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.core.ChirpException;
import io.chirp.net.pcap.CaptureFormat;
import io.chirp.net.testing.SyntheticCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chirp net} through picocli, as Main runs it. The sources are chirp-cli's, compiled here through symlinks
 * (src/test/java/io/chirp/cli) because chirp-cli depends on this module, not the other way round.
 */
class NetCommandTest {
    @TempDir Path dir;

    record Run(int code, String out, String err, Throwable failure) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CommandLine cl = new CommandLine(new NetCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            failure.set(ex);
            return ex instanceof ChirpException ce && ce.kind() == ChirpException.Kind.USAGE ? 2 : 1;
        });
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString(), failure.get());
    }

    @Test
    void flowsAsJsonRows() throws Exception {
        Path file = SyntheticCapture.write(dir.resolve("s.pcapng"), CaptureFormat.PCAPNG);
        Run r = run("flows", file.toString(), "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rows = new ObjectMapper().readTree(r.out());
        assertThat(rows).hasSize(7);
        JsonNode tls = rows.get(0);
        assertThat(tls.get("proto").asText()).isEqualTo("tcp");
        assertThat(tls.get("client").asText()).isEqualTo("10.0.2.15:40000");
        assertThat(tls.get("packets_out").asInt()).isEqualTo(4);
        assertThat(tls.get("flags_out").asText()).isEqualTo("APSF");
        assertThat(tls.get("metadata").asText()).contains("sni=" + SyntheticCapture.SNI);
        assertThat(r.err()).contains("7 flows from 20 packets").doesNotContain("PARTIAL");
    }

    @Test
    void flowsAsOcsfEventsOnePerLine() throws Exception {
        Path file = SyntheticCapture.write(dir.resolve("s.pcap"), CaptureFormat.PCAP);
        Run r = run("flows", file.toString(), "--ocsf", "--vm", "no-such-vm-running");
        assertThat(r.code()).isZero();
        assertThat(r.err()).contains("not running here");
        var lines = r.out().strip().lines().toList();
        assertThat(lines).hasSize(7);
        for (String l : lines) {
            JsonNode e = new ObjectMapper().readTree(l);
            assertThat(e.get("class_uid").asInt()).isEqualTo(4001);
            assertThat(e.at("/device/name").asText()).isEqualTo("no-such-vm-running");
        }
    }

    @Test
    void flowsOfATruncatedCaptureAreMarkedPartial() throws Exception {
        Path file = SyntheticCapture.write(dir.resolve("s.pcap"), CaptureFormat.PCAP);
        byte[] b = Files.readAllBytes(file);
        Path cut = Files.write(dir.resolve("cut.pcap"), Arrays.copyOf(b, b.length - 30));
        Run r = run("flows", cut.toString(), "--format", "csv");
        assertThat(r.code()).isEqualTo(ExitCode.PARTIAL.code());
        assertThat(r.out()).startsWith("proto,client,server,");
        assertThat(r.err()).contains("PARTIAL RESULT").contains("truncated");
    }

    @Test
    void notACaptureIsADataError() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pcap"), "certainly not a capture file");
        Run r = run("flows", junk.toString());
        assertThat(r.failure()).isInstanceOf(ChirpException.class).hasMessageContaining("not a pcap or pcapng file");
        assertThat(r.code()).isEqualTo(1);
    }

    @Test
    void captureUsageErrors() throws Exception {
        Run missing = run("capture", "--vm", "x");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.failure()).isInstanceOf(ChirpException.class).hasMessageContaining("give -o FILE or --store");
        Run both = run("capture", "--vm", "x", "-o", dir.resolve("a.pcap").toString(), "--store", dir.resolve("ev").toString());
        assertThat(both.code()).isEqualTo(2);
        Path existing = Files.writeString(dir.resolve("exists.pcap"), "");
        Run exists = run("capture", "--vm", "x", "-o", existing.toString(), "--duration", "1s");
        assertThat(exists.failure()).isInstanceOf(ChirpException.class).hasMessageContaining("will not overwrite");
        assertThat(exists.code()).isEqualTo(2);
        Run badDuration = run("capture", "--vm", "x", "-o", dir.resolve("n.pcap").toString(), "--duration", "soon");
        assertThat(badDuration.failure()).hasMessageContaining("not a positive duration");
        Run noVm = run("capture", "--vm", "no-such-vm-chirp", "-o", dir.resolve("n.pcap").toString(), "--duration", "1s");
        assertThat(noVm.failure()).isInstanceOf(ChirpException.class)
                .extracting(e -> ((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.NOT_FOUND);
        assertThat(dir.resolve("n.pcap")).doesNotExist();
    }
}
