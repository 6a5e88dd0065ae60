/**
 * The {@code chirp} command: one class per subcommand, a single place ({@link io.chirp.cli.Main}) that maps
 * {@link io.chirp.core.ChirpException} kinds to exit codes (2 usage, 1 data or environment, 3 internal).
 */
package io.chirp.cli;
