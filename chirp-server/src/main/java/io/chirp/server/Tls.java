package io.chirp.server;

import io.chirp.core.OwnerOnly;
import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * TLS for {@code chirp serve}, and the rule that decides when it is required: the server is root over every VM,
 * so it listens on loopback by default, and on any other address only with TLS.
 *
 * <p>A key and certificate come from a PKCS#12 file, from PEM files (certificate chain and an unencrypted PKCS#8
 * key), or are generated at first start (an EC P-256 key and a self-signed certificate made by the JDK's own
 * {@code keytool}, kept owner-only under the server's folder); the SHA-256 fingerprint of the certificate is
 * printed so clients can pin it.
 */
public sealed interface Tls {
    /** Plain HTTP: loopback only. */
    record None() implements Tls {}

    /** A PKCS#12 key store and its password. */
    record Pkcs12(Path file, char[] password) implements Tls {}

    /** A PEM certificate chain and a PEM PKCS#8 private key. */
    record Pem(Path certificate, Path key) implements Tls {}

    /** A self-signed certificate generated at first start in {@code dir}, for {@code hostnames}. */
    record Generated(Path dir, List<String> hostnames) implements Tls {}

    /** A loaded key store, ready for the connector. */
    record Loaded(KeyStore keyStore, char[] password, X509Certificate certificate) {
        /** {@return the certificate's SHA-256 fingerprint, as AB:CD:... } */
        public String fingerprint() { return Tls.fingerprint(certificate); }
    }

    /**
     * Refuses a non-loopback address without TLS.
     *
     * @throws ChirpException USAGE when {@code host} is not loopback and {@code tls} is {@link None}
     */
    static InetAddress checkBinding(String host, Tls tls) {
        InetAddress a;
        try {
            a = InetAddress.getByName(host);
        } catch (IOException e) {
            throw ChirpException.usage("cannot resolve the bind address " + host + ": " + e.getMessage());
        }
        if (!a.isLoopbackAddress() && tls instanceof None) {
            throw ChirpException.usage("refusing to listen on " + host + " without TLS: the API is root over every VM. "
                    + "Give --tls-generate, --tls-keystore or --tls-cert/--tls-key, or bind 127.0.0.1");
        }
        return a;
    }

    /** {@return the key store for this configuration (generating the key at first start); null for None} */
    static Loaded load(Tls tls) {
        try {
            return switch (tls) {
                case None n -> null;
                case Pkcs12(Path file, char[] password) -> fromKeyStore(readPkcs12(file, password), password);
                case Pem(Path cert, Path key) -> fromPem(cert, key);
                case Generated g -> generated(g);
            };
        } catch (IOException | GeneralSecurityException e) {
            throw ChirpException.io("cannot load the TLS key: " + e.getMessage(), e);
        }
    }

    private static KeyStore readPkcs12(Path file, char[] password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }

    private static Loaded fromKeyStore(KeyStore ks, char[] password) throws GeneralSecurityException {
        for (String alias : java.util.Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(alias) && ks.getCertificate(alias) instanceof X509Certificate c) {
                return new Loaded(ks, password, c);
            }
        }
        throw new GeneralSecurityException("the key store holds no private key with an X.509 certificate");
    }

    private static Loaded fromPem(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
        List<Certificate> chain;
        try (InputStream in = Files.newInputStream(certFile)) {
            chain = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
        if (chain.isEmpty()) throw new GeneralSecurityException("no certificate in " + certFile);
        String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
        if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new GeneralSecurityException(keyFile + " is not an unencrypted PKCS#8 key (BEGIN PRIVATE KEY); "
                    + "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        String b64 = pem.substring(pem.indexOf("-----BEGIN PRIVATE KEY-----") + 27, pem.indexOf("-----END PRIVATE KEY-----"));
        byte[] der = Base64.getMimeDecoder().decode(b64);
        PrivateKey key = null;
        for (String alg : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
            try {
                key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                break;
            } catch (GeneralSecurityException ignored) {
                // not this algorithm; try the next
            }
        }
        if (key == null) throw new GeneralSecurityException("unsupported private key algorithm in " + keyFile);
        char[] pw = randomPassword();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("chirp", key, pw, chain.toArray(Certificate[]::new));
        return new Loaded(ks, pw, (X509Certificate) chain.getFirst());
    }

    private static Loaded generated(Generated g) throws IOException, GeneralSecurityException {
        Path dir = OwnerOnly.dir(g.dir());
        Path store = dir.resolve("server.p12");
        Path pwFile = dir.resolve("server.p12.password");
        if (!Files.exists(store)) {
            char[] pw = randomPassword();
            Files.deleteIfExists(pwFile);
            OwnerOnly.createFile(pwFile);
            Files.writeString(pwFile, new String(pw));
            StringBuilder san = new StringBuilder("SAN=dns:localhost,ip:127.0.0.1");
            for (String h : g.hostnames()) san.append(h.matches("[0-9.]+|.*:.*") ? ",ip:" : ",dns:").append(h);
            Path java = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Process p = new ProcessBuilder(java.toString(), "-genkeypair", "-alias", "chirp", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-dname", "CN=chirp serve",
                    "-ext", san.toString(), "-validity", "825", "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass:file", pwFile.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new GeneralSecurityException("keytool failed: " + output.strip());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GeneralSecurityException("interrupted while generating the TLS key");
            }
            OwnerOnly.restrict(store);
        }
        char[] pw = Files.readString(pwFile).strip().toCharArray();
        return fromKeyStore(readPkcs12(store, pw), pw);
    }

    private static char[] randomPassword() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b).toCharArray();
    }

    /** {@return the SHA-256 fingerprint of a certificate as colon-separated upper-case hex} */
    static String fingerprint(X509Certificate c) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "cannot fingerprint the certificate", e);
        }
    }
}
