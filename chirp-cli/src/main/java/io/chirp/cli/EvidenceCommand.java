package io.chirp.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.events.custody.CustodyLog;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.events.custody.CustodyVerification;
import io.chirp.evidence.Custody;
import io.chirp.evidence.bundle.BundleVerifier;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.evidence.store.StoredArtifact;
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
        description = {"The chain of custody of CHIRP's evidence files (appended by every acquisition, extraction, capture and export),",
                "the evidence store (--store of acquire; chirp serve) and case bundles."},
        subcommands = {EvidenceCommand.Records.class, EvidenceCommand.Verify.class, EvidenceCommand.VerifyBundle.class,
                EvidenceCommand.ListArtifacts.class, EvidenceCommand.ExportArtifact.class, EvidenceCommand.DeleteArtifact.class})
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

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check a case bundle offline (chirp case export, GET /api/cases/ID/bundle): every file's hash, the",
                    "custody chain, completeness. Exit 0 when intact (4 if an artifact says it is partial), 1 naming each",
                    "tampered, missing or added file and each altered or missing custody record."})
    static final class VerifyBundle implements Callable<Integer> {
        @picocli.CommandLine.Parameters(paramLabel = "BUNDLE", description = "the bundle (zip)") Path bundle;
        @Option(names = "--head", paramLabel = "HASH",
                description = "the head hash printed by the export: also detects a bundle rebuilt with a fresh chain")
        String head;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            if (!Files.isRegularFile(bundle)) throw ChirpException.notFound("no bundle at " + bundle);
            BundleVerifier.Report r = BundleVerifier.verify(bundle);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<BundleVerifier.Problem> problems = new java.util.ArrayList<>(r.problems());
            if (head != null && r.headHash() != null && !r.headHash().equals(head.toLowerCase(Locale.ROOT))) {
                problems.add(new BundleVerifier.Problem(BundleVerifier.Kind.BROKEN_CHAIN, "custody.jsonl",
                        "its head is " + r.headHash() + ", the export printed " + head));
            }
            for (BundleVerifier.Problem p : problems) {
                err.println("chirp: TAMPERED: " + Table.escape(p.where()) + ": " + p.kind() + ": " + Table.escape(p.what()));
            }
            for (String i : r.incomplete()) err.println("chirp: warning: incomplete artifact " + Table.escape(i));
            err.flush();
            if (!problems.isEmpty()) {
                err.println("chirp: bundle " + bundle + " FAILED verification (" + problems.size() + " problems)");
                err.flush();
                return ExitCode.ERROR.code();
            }
            out.printf("bundle intact: case %s, %d files, %d artifacts, %d custody records, head %s%n",
                    Table.escape(r.caseId()), r.files(), r.artifacts(), r.records(), r.headHash());
            out.flush();
            return r.incomplete().isEmpty() ? ExitCode.OK.code() : ExitCode.PARTIAL.code();
        }
    }

    /** {@code --store DIR}: the evidence store folder. */
    static final class StoreDir {
        @Option(names = "--store", paramLabel = "DIR", description = "the evidence store folder (default $CHIRP_HOME/evidence)")
        Path store;

        EvidenceStore open() { return EvidenceStore.open(store != null ? store : EvidenceStore.defaultRoot()); }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the artifacts in the evidence store.")
    static final class ListArtifacts implements Callable<Integer> {
        @Option(names = "--case", paramLabel = "ID", description = "only this case's") String caseId;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @picocli.CommandLine.Mixin StoreDir where;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            Table t = new Table("id", "collected", "vm", "kind", "name", "size", "sha256", "complete", "actor", "automatic",
                    "alert", "case");
            try (EvidenceStore s = where.open()) {
                for (StoredArtifact a : caseId != null ? s.listCase(caseId) : s.list()) {
                    t.row(a.id(), a.collected().toString(), a.vm(), a.kind(), a.name(), a.size(), a.sha256(), a.complete(),
                            a.actor(), a.automatic(), a.alertId() == null ? "" : a.alertId(), a.caseId() == null ? "" : a.caseId());
                }
            }
            t.print(spec.commandLine().getOut(), format);
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Copy an artifact out of the store (recorded in custody as an export).")
    static final class ExportArtifact implements Callable<Integer> {
        @picocli.CommandLine.Parameters(paramLabel = "ID", description = "the artifact id") String id;
        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "where (never overwritten)") Path output;
        @picocli.CommandLine.Mixin StoreDir where;

        @Override public Integer call() {
            if (Files.exists(output)) throw ChirpException.usage(output + " exists; refusing to overwrite it");
            try (EvidenceStore s = where.open()) {
                s.export(id, io.chirp.evidence.store.Actor.cli(), output);
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete an artifact from the store (recorded in custody, with the reason, before it goes).")
    static final class DeleteArtifact implements Callable<Integer> {
        @picocli.CommandLine.Parameters(paramLabel = "ID", description = "the artifact id") String id;
        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (kept in the custody log)") String reason;
        @picocli.CommandLine.Mixin StoreDir where;

        @Override public Integer call() {
            try (EvidenceStore s = where.open()) {
                s.delete(id, io.chirp.evidence.store.Actor.cli(), reason);
            }
            return 0;
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
