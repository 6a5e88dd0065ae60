package io.chirp.fleet;

import io.chirp.core.ChirpException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;

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
