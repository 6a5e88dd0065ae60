package io.chirp.cli;

/**
 * How chirp logs. stderr is for progress, warnings and errors, so by default slf4j-simple shows only WARN and up
 * (see {@code simplelogger.properties}); {@code --verbose} shows INFO and DEBUG too.
 */
final class Logging {
    private static final String LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    private Logging() {}

    /**
     * Turns on INFO and DEBUG. slf4j-simple reads its level when the first logger is made: picocli sets options
     * while it parses, before any command runs, so this is in time for everything a command logs.
     */
    static void verbose() { System.setProperty(LEVEL, "debug"); }
}
