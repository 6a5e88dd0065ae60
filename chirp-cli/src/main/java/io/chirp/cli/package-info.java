/**
 * The {@code chirp} command: one class per subcommand, and one place for each cross-cutting concern.
 *
 * <pre>
 *   Main ── picocli tree (every command: --help, -h, --version, -v) ── HelpCommand (chirp help a b)
 *     │  a command: TargetOptions (--vm | --image) ─► Target ─► the module that does the work
 *     │             rows ─► Table (table, CSV: escape) | Json (JSON: \ u escapes)   never a guest string raw
 *     └─ ExitCode: what a command returns (OK, PARTIAL, FINDINGS) and what a ChirpException kind maps to
 *        (USAGE 2, ERROR 1, INTERNAL 3), in {@link io.chirp.cli.Main}'s handler
 * </pre>
 *
 * stdout is the result; stderr is progress, warnings (a partial result says why) and errors. Libraries log
 * through slf4j-simple at WARN unless {@code --verbose} ({@link io.chirp.cli.Logging}).
 */
package io.chirp.cli;
