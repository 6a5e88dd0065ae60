package io.chirp.cli;

import io.chirp.fleet.KafkaAuth;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** How a fleet part signs in to Kafka: shared by {@code chirp sensor} and {@code chirp serve --kafka}. */
final class KafkaAuthOptions {
    @Option(names = "--kafka-user", paramLabel = "NAME", description = "authenticate to Kafka with SASL/SCRAM-SHA-512 as this user")
    String user;
    @Option(names = "--kafka-password-file", paramLabel = "FILE", description = "file whose first line is the Kafka user's password")
    Path passwordFile;

    KafkaAuth auth() { return KafkaAuth.from(user, passwordFile); }
}
