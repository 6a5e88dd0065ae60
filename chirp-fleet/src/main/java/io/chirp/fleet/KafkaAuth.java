package io.chirp.fleet;

import io.chirp.core.ChirpException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * How a fleet part authenticates to the Kafka brokers. SCRAM-SHA-512 proves the user without sending the password
 * (the brokers keep only salted hashes, {@code kafka-storage format --add-scram} or {@code kafka-configs}); with
 * ACLs on the brokers each sensor's user may write only the fleet's topics and the server's user only read them.
 * {@link Tls} encrypts the connection and checks the brokers' certificates against the fleet's CA: alone it is
 * mutual TLS (the part's own certificate is its identity, {@code SSL}), with SCRAM inside it {@code SASL_SSL}.
 */
public sealed interface KafkaAuth {
    /** Fills in the client settings. */
    void configure(Properties p);

    /** No authentication: a broker network only the fleet's hosts reach. */
    record None() implements KafkaAuth {
        @Override public void configure(Properties p) { }
    }

    /**
     * SASL/SCRAM-SHA-512 over the connection.
     *
     * @param user     the Kafka user
     * @param password its password (from a file, never the command line, where {@code ps} shows it)
     */
    record Scram(String user, String password) implements KafkaAuth {
        private static final Pattern USER = Pattern.compile("[A-Za-z0-9._-]{1,64}");

        public Scram {
            if (user == null || !USER.matcher(user).matches()) throw ChirpException.usage("Kafka user: letters, digits, '.', '_', '-'");
            if (password == null || password.isEmpty()) throw ChirpException.usage("empty Kafka password");
        }

        @Override public void configure(Properties p) {
            p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
            p.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
            // JAAS quoting: a backslash and a double quote in the password are escaped, nothing else is special
            String pw = password.replace("\\", "\\\\").replace("\"", "\\\"");
            p.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                    + user + "\" password=\"" + pw + "\";");
        }

        @Override public String toString() { return "Scram[user=" + user + "]"; } // never the password
    }

    /**
     * TLS to the brokers: their certificates checked against {@code trustStore} (the fleet's CA, host name or
     * address included), and this part's own key and certificate from {@code keyStore} (mutual TLS; null if the
     * brokers do not ask for one). With {@code scram} (may be null) SCRAM runs inside the TLS connection.
     *
     * @param password the stores' password (from a file, never the command line)
     */
    record Tls(Scram scram, Path trustStore, Path keyStore, String password) implements KafkaAuth {
        public Tls {
            java.util.Objects.requireNonNull(trustStore, "a TLS trust store (the fleet's CA) is needed");
            if (password == null) throw ChirpException.usage("the TLS stores need their password");
        }

        @Override public void configure(Properties p) {
            if (scram != null) scram.configure(p);
            p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, scram != null ? "SASL_SSL" : "SSL");
            p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, trustStore.toString());
            p.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, password);
            p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
            p.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "https"); // the broker's name or address is checked too
            if (keyStore != null) {
                p.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, keyStore.toString());
                p.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, password);
                p.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, password);
                p.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
            }
        }

        @Override public String toString() { return "Tls[scram=" + scram + ", trustStore=" + trustStore + ", keyStore=" + keyStore + "]"; }
    }

    /**
     * {@return {@link #from(String, Path)}, inside TLS if {@code trustStore} is given}
     *
     * @param keyStore      this part's key and certificate for mutual TLS, or null
     * @param storePassword a file whose first line is the stores' password
     */
    public static KafkaAuth from(String user, Path passwordFile, Path trustStore, Path keyStore, Path storePassword) {
        KafkaAuth inner = from(user, passwordFile);
        if (trustStore == null) {
            if (keyStore != null || storePassword != null) throw ChirpException.usage("--kafka-keystore and --kafka-store-password-file need --kafka-truststore");
            return inner;
        }
        if (storePassword == null) throw ChirpException.usage("--kafka-truststore needs --kafka-store-password-file");
        return new Tls(inner instanceof Scram s ? s : null, trustStore, keyStore, firstLine(storePassword, "TLS store password"));
    }

    private static String firstLine(Path file, String what) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("");
        } catch (IOException e) {
            throw ChirpException.io("cannot read the " + what + " file " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@return SCRAM with the password read from the first line of {@code file}, or None if {@code user} is null} */
    public static KafkaAuth from(String user, Path passwordFile) {
        if (user == null && passwordFile == null) return new None();
        if (user == null || passwordFile == null) throw ChirpException.usage("--kafka-user and --kafka-password-file go together");
        try {
            String pw = Files.readString(passwordFile, StandardCharsets.UTF_8).lines().findFirst().orElse("");
            return new Scram(user, pw);
        } catch (IOException e) {
            throw ChirpException.io("cannot read the Kafka password file " + passwordFile + ": " + e.getMessage(), e);
        }
    }
}
