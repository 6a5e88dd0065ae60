package io.chirp.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS: a certificate generated at first start (owner-only, fingerprint reported) lets the server listen on every
 * address; clients that trust it connect (over loopback here), clients that do not are refused in the handshake.
 */
class TlsTest {
    @Test
    void aGeneratedCertificateAllowsANonLoopbackBindingAndIsPinnedByItsFingerprint(@TempDir Path home) throws Exception {
        Path dir = home.resolve("server/tls");
        ServerConfig cfg = ServerConfig.defaults(home).withPort(0).withHost("0.0.0.0")
                .withVms(List.of("no-such-vm-tls")).withTls(new Tls.Generated(dir, List.of()));
        try (ChirpServer s = ChirpServer.start(cfg)) {
            assertThat(s.uri().getScheme()).isEqualTo("https");
            assertThat(s.fingerprint()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server.p12")))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            char[] pw = Files.readString(dir.resolve("server.p12.password")).strip().toCharArray();
            try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
                ks.load(in, pw);
            }
            X509Certificate cert = (X509Certificate) ks.getCertificate("chirp");
            assertThat(Tls.fingerprint(cert)).isEqualTo(s.fingerprint());
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("chirp", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            URI local = URI.create("https://127.0.0.1:" + s.uri().getPort());
            ApiClient trusting = new ApiClient(local, HttpClient.newBuilder().sslContext(ctx).build());
            assertThat(trusting.get("/api/vms", s.firstAdminToken()).status()).isEqualTo(200);
            assertThat(trusting.get("/api/vms", null).status()).isEqualTo(401);
            ApiClient stranger = new ApiClient(local, HttpClient.newHttpClient());
            assertThatThrownBy(() -> stranger.get("/api/vms", s.firstAdminToken()))
                    .hasCauseInstanceOf(SSLHandshakeException.class);
            // the second start reuses the key: the fingerprint clients pinned stays valid
            String first = s.fingerprint();
            s.close();
            try (ChirpServer again = ChirpServer.start(cfg)) {
                assertThat(again.fingerprint()).isEqualTo(first);
            }
        }
    }

    @Test
    void pemFilesAreLoaded(@TempDir Path home) throws Exception {
        // make a key pair with keytool, export it as PEM the way openssl would hand it over
        Tls.Loaded gen = Tls.load(new Tls.Generated(home.resolve("gen"), List.of()));
        X509Certificate cert = gen.certificate();
        java.security.PrivateKey key = (java.security.PrivateKey) gen.keyStore().getKey("chirp", gen.password());
        java.util.Base64.Encoder b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes());
        Path certPem = home.resolve("cert.pem"), keyPem = home.resolve("key.pem");
        Files.writeString(certPem, "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        Tls.Loaded pem = Tls.load(new Tls.Pem(certPem, keyPem));
        assertThat(pem.fingerprint()).isEqualTo(gen.fingerprint());
        Files.writeString(keyPem, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertThatThrownBy(() -> Tls.load(new Tls.Pem(certPem, keyPem))).hasMessageContaining("openssl pkcs8");
    }
}
