package io.chirp.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chirp sensor} and {@code serve --kafka}: bad combinations are usage errors before anything connects. */
class SensorCommandTest {
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Run(code, o.toString(), e.toString());
    }

    @Test void usageErrorsComeBeforeAnyConnection() {
        assertThat(run("sensor").code()).isEqualTo(2); // --kafka is required
        Run r = run("sensor", "--kafka", "127.0.0.1:1", "--replay-vm", "a");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--replay-vm needs --replay");
        r = run("sensor", "--kafka", "127.0.0.1:1", "--transfer-rate", "fast");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--transfer-rate");
        assertThat(SensorCommand.bytesPerSecond("50M")).isEqualTo(50L << 20);
        assertThat(SensorCommand.bytesPerSecond("512k/s")).isEqualTo(512L << 10);
        assertThat(SensorCommand.bytesPerSecond("0")).isZero();
        r = run("sensor", "--kafka", "127.0.0.1:1", "--id", "a/b");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--id");
        r = run("sensor", "--kafka", "127.0.0.1:1", "--id", "hv-1", "--kafka-user", "hv-1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--kafka-password-file");
        r = run("serve", "--port", "0", "--no-local-monitor");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--no-local-monitor needs --kafka");
        r = run("serve", "--port", "0", "--sigma-central");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--sigma-central needs --kafka");
        r = run("serve", "--port", "0", "--store", "/tmp/x.db");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("postgresql://");
        r = run("sensor", "--kafka", "127.0.0.1:1", "--id", "hv-1", "--kafka-keystore", "/tmp/k.p12");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--kafka-truststore");
        r = run("sensor", "--kafka", "127.0.0.1:1", "--id", "hv-1", "--sigma", "nowhere");
        assertThat(r.code()).isEqualTo(2);
    }

    @Test void helpNamesTheFleetOptions() {
        Run r = run("sensor", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--kafka", "--spool-max", "--replay", "--ledger", "--kafka-user", "--kafka-password-file",
                "--server-key", "--transfer-rate", "--sigma", "--kafka-truststore", "--kafka-keystore", "--kafka-store-password-file");
        assertThat(run("serve", "--help").out()).contains("--kafka", "--lost-after", "--no-local-monitor", "--kafka-group",
                "--sigma-central", "--store");
    }
}
