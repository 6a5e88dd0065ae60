package io.chirp.cli;

import io.chirp.core.ChirpVersion;
import org.slf4j.LoggerFactory;

/**
 * How chirp logs. stderr is for progress, warnings and errors, so by default slf4j-simple shows only WARN and up
 * (see {@code simplelogger.properties}); {@code --verbose} shows INFO and DEBUG too.
 */
final class Logging {
    private static final String LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    private Logging() {}

    /**
     * Turns on INFO and DEBUG. slf4j-simple reads its level when a logger is made: picocli sets options while it
     * parses, before any command runs, so this is in time for every logger a command makes. The first line says
     * which CHIRP this is, for bug reports.
     */
    static void verbose() {
        System.setProperty(LEVEL, "debug");
        LoggerFactory.getLogger(Main.class).info("verbose: {}, Java {}", ChirpVersion.current().describe(),
                Runtime.version());
    }
}
