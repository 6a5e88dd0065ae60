package io.chirp.cli;

import io.chirp.fleet.KafkaAuth;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** How a fleet part signs in to Kafka (SCRAM, TLS, both): shared by {@code chirp sensor} and {@code chirp serve --kafka}. */
final class KafkaAuthOptions {
    @Option(names = "--kafka-user", paramLabel = "NAME", description = "authenticate to Kafka with SASL/SCRAM-SHA-512 as this user")
    String user;
    @Option(names = "--kafka-password-file", paramLabel = "FILE", description = "file whose first line is the Kafka user's password")
    Path passwordFile;

    @Option(names = "--kafka-truststore", paramLabel = "FILE",
            description = "TLS to the brokers: PKCS#12 trust store with the fleet's CA certificate (with --kafka-user: SASL_SSL)")
    Path trustStore;
    @Option(names = "--kafka-keystore", paramLabel = "FILE",
            description = "mutual TLS: PKCS#12 key store with this part's key and CA-signed certificate")
    Path keyStore;
    @Option(names = "--kafka-store-password-file", paramLabel = "FILE", description = "file whose first line is the TLS stores' password")
    Path storePassword;

    KafkaAuth auth() { return KafkaAuth.from(user, passwordFile, trustStore, keyStore, storePassword); }
}
