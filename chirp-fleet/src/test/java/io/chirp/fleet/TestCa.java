package io.chirp.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made in the test by the JDK's own {@code keytool}: an EC P-256 CA, a PKCS#12 trust store
 * holding only its certificate, and for each party (broker, sensor, server) a PKCS#12 key store with the party's
 * key and a certificate the CA signed for {@code CN=party} and the address 127.0.0.1.
 */
public final class TestCa {
    /** The password of every store here (test material only). */
    public static final String PASSWORD = "test-store-pw";
    private final Path dir;

    private TestCa(Path dir) { this.dir = dir; }

    /** {@return a new CA in {@code dir}} */
    public static TestCa create(Path dir) throws Exception {
        Files.createDirectories(dir);
        TestCa ca = new TestCa(dir);
        ca.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=chirp-test-ca",
                "-ext", "bc:c", "-validity", "3", "-keystore", ca.path("ca.p12"), "-storetype", "PKCS12", "-storepass", PASSWORD);
        ca.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.path("ca.p12"), "-storepass", PASSWORD, "-file", ca.path("ca.pem"));
        ca.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", ca.path("ca.pem"), "-keystore", ca.path("trust.p12"),
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        return ca;
    }

    /** {@return the trust store: the CA's certificate only} */
    public Path trustStore() { return dir.resolve("trust.p12"); }

    /** {@return a key store for {@code party} (made on first use): its key and the CA-signed certificate chain} */
    public synchronized Path keyStore(String party) throws Exception {
        Path ks = dir.resolve(party + ".p12");
        if (Files.exists(ks)) return ks;
        keytool("-genkeypair", "-alias", party, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + party, "-validity", "3",
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-certreq", "-alias", party, "-keystore", ks.toString(), "-storepass", PASSWORD, "-file", path(party + ".csr"));
        keytool("-gencert", "-alias", "ca", "-keystore", path("ca.p12"), "-storepass", PASSWORD, "-infile", path(party + ".csr"),
                "-outfile", path(party + ".pem"), "-rfc", "-validity", "3", "-ext", "SAN=IP:127.0.0.1,DNS:localhost",
                "-ext", "EKU=serverAuth,clientAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", path("ca.pem"), "-keystore", ks.toString(), "-storepass", PASSWORD);
        keytool("-importcert", "-alias", party, "-file", path(party + ".pem"), "-keystore", ks.toString(), "-storepass", PASSWORD);
        return ks;
    }

    private String path(String name) { return dir.resolve(name).toString(); }

    private void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("keytool.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + Files.readString(log));
        }
    }
}
