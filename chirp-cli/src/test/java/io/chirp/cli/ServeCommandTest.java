package io.chirp.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chirp serve} through the CLI: the binding rule is a usage error before anything is created. */
class ServeCommandTest {
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Run(code, o.toString(), e.toString());
    }

    @Test
    void aNonLoopbackAddressWithoutTlsIsAUsageError() {
        Run r = run("serve", "--bind", "0.0.0.0", "--port", "0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("refusing to listen on 0.0.0.0 without TLS");
    }

    @Test
    void helpListsTheServerAndItsSubcommands() {
        Run r = run("serve", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--bind", "--tls-generate", "--tls-keystore", "--tls-cert", "users", "tokens");
        assertThat(run("serve", "tokens", "create", "--help").out()).contains("--role");
    }
}
