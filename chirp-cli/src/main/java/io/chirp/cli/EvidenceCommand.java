package io.chirp.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.events.custody.CustodyLog;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.events.custody.CustodyVerification;
import io.chirp.evidence.Custody;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code chirp evidence}: the chain of custody every evidence file gets when it is committed (see
 * {@link io.chirp.evidence.EvidenceWriter}): list it, verify its hash chain.
 */
@Command(name = "evidence", mixinStandardHelpOptions = true,
        description = "The chain of custody of CHIRP's evidence files (appended by every acquisition, extraction, capture and export).",
        subcommands = {EvidenceCommand.Records.class, EvidenceCommand.Verify.class})
final class EvidenceCommand {
    private EvidenceCommand() {}

    /** {@return the log at {@code store}, or the default one; a missing file is an error, not an empty log} */
    static CustodyLog open(Path store) {
        Path f = store != null ? store : Custody.logFile();
        // opening would create an empty log: for a reader, a missing one means the wrong CHIRP_HOME or --store
        if (!Files.isRegularFile(f)) throw ChirpException.notFound("no custody log at " + f + " (nothing recorded yet, or pass --store)");
        return CustodyLog.open(f);
    }

    @Command(name = "custody", mixinStandardHelpOptions = true, description = "List custody records, oldest first.")
    static final class Records implements Callable<Integer> {
        @Option(names = "--artifact", paramLabel = "SHA|PATH",
                description = "only records of this artifact: its SHA-256 (or a prefix of at least 8 hex digits), or its path")
        String artifact;
        @Option(names = "--store", paramLabel = "PATH", description = "custody log (default $CHIRP_HOME/events.db)") Path store;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            List<CustodyRecord> rows;
            try (CustodyLog log = open(store)) {
                rows = select(log, artifact);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (format == Table.Format.json) {
                ArrayNode list = Json.mapper().createArrayNode();
                for (CustodyRecord r : rows) list.add(json(r));
                out.println(Json.pretty(list));
                out.flush();
                return 0;
            }
            Table t = new Table("seq", "time", "actor", "action", "artifact", "sha256", "detail", "hash");
            for (CustodyRecord r : rows) {
                t.row(r.seq(), r.time().toString(), r.actor(), r.action(), r.artifact(), r.sha256() == null ? "" : r.sha256(),
                        r.detail() == null ? "" : r.detail(), r.hash());
            }
            t.print(out, format);
            return 0;
        }

        private static List<CustodyRecord> select(CustodyLog log, String artifact) {
            if (artifact == null) return log.records();
            String a = artifact.toLowerCase(Locale.ROOT);
            if (a.matches("[0-9a-f]{8,64}")) {
                return log.records().stream().filter(r -> r.sha256() != null && r.sha256().startsWith(a)).toList();
            }
            return log.recordsFor(Path.of(artifact).toAbsolutePath().normalize().toString());
        }
    }

    @Command(name = "verify-custody", mixinStandardHelpOptions = true,
            description = "Check the custody log's hash chain: exit 0 when intact, 1 naming the first broken record.")
    static final class Verify implements Callable<Integer> {
        @Option(names = "--store", paramLabel = "PATH", description = "custody log (default $CHIRP_HOME/events.db)") Path store;
        @Option(names = "--head", paramLabel = "HASH",
                description = "the head hash printed by an earlier verification: also detects records removed from the end")
        String head;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (CustodyLog log = open(store)) {
                CustodyVerification v = head != null ? log.verify(head.toLowerCase(Locale.ROOT)) : log.verify();
                switch (v) {
                    case CustodyVerification.Intact(long n, String h) -> {
                        out.println("custody log intact: " + n + " records, head " + h);
                        out.flush();
                        return ExitCode.OK.code();
                    }
                    case CustodyVerification.Broken(long seq, String reason) -> {
                        err.println("chirp: custody log BROKEN at record " + seq + ": " + Table.escape(reason));
                        log.records().stream().filter(r -> r.seq() == seq).findFirst().ifPresent(r ->
                                err.println("chirp: record " + seq + ": " + Table.escape(Json.pretty(json(r)))));
                        err.flush();
                        return ExitCode.ERROR.code();
                    }
                }
            }
        }
    }

    private static ObjectNode json(CustodyRecord r) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("seq", r.seq());
        n.put("time", r.time().toString());
        n.put("actor", r.actor());
        n.put("action", r.action());
        n.put("artifact", r.artifact());
        n.put("sha256", r.sha256());
        n.put("detail", r.detail());
        n.put("prev_hash", r.prevHash());
        n.put("hash", r.hash());
        return n;
    }
}
