package io.chirp.cli;

import io.chirp.evidence.store.Actor;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.evidence.store.StoredArtifact;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --store [DIR]} and {@code --case ID}: put what a command produces into the evidence store (content-addressed,
 * a custody record naming the OS user) instead of a file of the user's choosing. Shared by every command that
 * writes evidence, so they all mean the same.
 */
final class StoreOptions {
    @Option(names = "--store", arity = "0..1", paramLabel = "DIR", fallbackValue = "",
            description = "put the evidence into the evidence store (default folder $CHIRP_HOME/evidence) instead of -o FILE")
    String store;
    @Option(names = "--case", paramLabel = "ID", description = "with --store: file the artifact under this case (see chirp case)")
    String caseId;

    /** {@return true if the user asked for the store} */
    boolean enabled() { return store != null; }

    /** {@return the store folder asked for} */
    Path root() { return store == null || store.isEmpty() ? EvidenceStore.defaultRoot() : Path.of(store); }

    /**
     * Runs {@code producer} as a collection into the store and reports each artifact's id and address on
     * {@code err} (standard output keeps the command's own result, which may be JSON).
     */
    List<StoredArtifact> collect(EvidenceStore.Producer producer, PrintWriter err) {
        try (EvidenceStore s = EvidenceStore.open(root())) {
            List<StoredArtifact> got = s.collect(Actor.cli(), caseId, producer);
            for (StoredArtifact a : got) {
                err.printf("chirp: stored artifact %s at %s%s%n", a.id(), s.blob(a), a.caseId() == null ? "" : " in case " + a.caseId());
            }
            err.flush();
            return got;
        }
    }
}
