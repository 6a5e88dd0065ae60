package io.chirp.cli;

import io.chirp.core.OwnerOnly;
import io.chirp.events.store.EventQuery;
import io.chirp.events.store.EventStore;
import io.chirp.events.store.StoreDatabase;
import io.chirp.events.store.StoredEvent;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.evidence.bundle.CaseBundle;
import io.chirp.evidence.store.Actor;
import io.chirp.evidence.store.Cases;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.evidence.store.StoredArtifact;
import io.chirp.core.ChirpException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code chirp case}: cases in the evidence store: open one, list and show them, add VMs and artifacts, export one
 * as a bundle that {@code chirp evidence verify} checks offline. The same store and records as {@code chirp serve}'s
 * {@code /api/cases}.
 */
@Command(name = "case", mixinStandardHelpOptions = true,
        description = "Cases in the evidence store: VMs, alerts and artifacts of one investigation, exported as a verifiable bundle.",
        subcommands = {CaseCommand.Create.class, CaseCommand.ListCases.class, CaseCommand.Show.class, CaseCommand.AddVm.class,
                CaseCommand.AddArtifact.class, CaseCommand.Export.class})
final class CaseCommand {
    private CaseCommand() {}

    /** {@code --store DIR} of every case subcommand. */
    static final class Where {
        @Option(names = "--store", paramLabel = "DIR", description = "the evidence store folder (default $CHIRP_HOME/evidence)")
        Path store;

        EvidenceStore open() { return EvidenceStore.open(store != null ? store : EvidenceStore.defaultRoot()); }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Open a case; prints its id.")
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "TITLE", description = "one line") String title;
        @Option(names = "--description", paramLabel = "TEXT", description = "free text") String description;
        @picocli.CommandLine.Mixin Where where;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            try (EvidenceStore s = where.open()) {
                Cases.Case c = s.cases().create(title, description, Actor.cli());
                spec.commandLine().getOut().println(c.id());
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List cases, oldest first.")
    static final class ListCases implements Callable<Integer> {
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @picocli.CommandLine.Mixin Where where;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            Table t = new Table("id", "created", "created_by", "title", "artifacts", "auto_key");
            try (EvidenceStore s = where.open()) {
                for (Cases.Case c : s.cases().list()) {
                    t.row(c.id(), c.created().toString(), c.createdBy(), c.title(), s.listCase(c.id()).size(),
                            c.autoKey() == null ? "" : c.autoKey());
                }
            }
            t.print(spec.commandLine().getOut(), format);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a case: its VMs, alerts and artifacts.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the case id") String id;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv (of the members)") Table.Format format;
        @picocli.CommandLine.Mixin Where where;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Table t = new Table("member", "id", "added", "by", "detail");
            try (EvidenceStore s = where.open()) {
                Cases.Case c = s.cases().require(id);
                if (format == Table.Format.table) {
                    out.printf("case      %s%ntitle     %s%ncreated   %s by %s%n", c.id(), Table.escape(c.title()), c.created(),
                            Table.escape(c.createdBy()));
                }
                for (Cases.Member m : s.cases().members(id)) {
                    t.row(m.kind().name(), m.ref(), m.added().toString(), m.addedBy(), "");
                }
                for (StoredArtifact a : s.listCase(id)) {
                    t.row("artifact", a.id(), a.collected().toString(), a.actor(), a.kind() + " " + a.name() + " sha256 "
                            + a.sha256() + (a.automatic() ? " automatic (alert " + a.alertId() + ")" : ""));
                }
            }
            t.print(out, format);
            return 0;
        }
    }

    @Command(name = "add-vm", mixinStandardHelpOptions = true, description = "Add a VM to a case.")
    static final class AddVm implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "the case id") String id;
        @Parameters(index = "1", paramLabel = "VM", description = "the VM's name") String vm;
        @picocli.CommandLine.Mixin Where where;

        @Override public Integer call() {
            try (EvidenceStore s = where.open()) {
                s.cases().addVm(id, vm, Actor.cli());
            }
            return 0;
        }
    }

    @Command(name = "add-artifact", mixinStandardHelpOptions = true, description = "Put an artifact of the store in a case.")
    static final class AddArtifact implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "the case id") String id;
        @Parameters(index = "1", paramLabel = "ARTIFACT", description = "the artifact id (chirp evidence list)") String artifact;
        @picocli.CommandLine.Mixin Where where;

        @Override public Integer call() {
            try (EvidenceStore s = where.open()) {
                s.cases().addArtifact(id, artifact, Actor.cli());
            }
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Export a case as a bundle (zip): artifacts, manifests, custody slice, alerts, events of its VMs, "
                    + "an index with hashes. Prints the export record's hash: keep it to check the bundle with --head.")
    static final class Export implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the case id") String id;
        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "the bundle to write (never overwritten)")
        Path output;
        @Option(names = "--events", paramLabel = "DB", description = "event store to take the VMs' events from (default "
                + "$CHIRP_HOME/events.db; none if absent)") Path events;
        @picocli.CommandLine.Mixin Where where;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            Path partial = output.resolveSibling(output.getFileName() + ".partial");
            try (EvidenceStore s = where.open()) {
                s.cases().require(id);
                List<String> ev = events(s);
                CaseBundle.Exported e;
                OwnerOnly.directories(output.toAbsolutePath().getParent());
                try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    OwnerOnly.set(partial);
                    e = CaseBundle.export(s, id, Actor.cli(), ev, out);
                }
                if (Files.exists(output)) throw ChirpException.usage(output + " exists; refusing to overwrite it");
                Files.move(partial, output, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                PrintWriter out = spec.commandLine().getOut();
                out.printf("bundle    %s%nartifacts %d%nfiles     %d%nhead      %s (custody record %d)%n", output,
                        e.artifacts(), e.files(), e.record().hash(), e.record().seq());
                out.flush();
                return 0;
            } catch (java.nio.file.FileAlreadyExistsException x) {
                throw ChirpException.usage(partial + " exists (another export?); refusing to overwrite it");
            } catch (IOException x) {
                throw ChirpException.io("cannot write " + output + ": " + x.getMessage(), x);
            } finally {
                try {
                    Files.deleteIfExists(partial);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }

        private List<String> events(EvidenceStore s) {
            Path db = events != null ? events : StoreDatabase.defaultPath();
            if (!Files.isRegularFile(db)) return List.of();
            Set<String> vms = new TreeSet<>();
            for (Cases.Member m : s.cases().members(id)) if (m.kind() == Cases.MemberKind.vm) vms.add(m.ref());
            for (StoredArtifact a : s.listCase(id)) vms.add(a.vm());
            List<String> out = new ArrayList<>();
            try (EventStore es = EventStore.openReadOnly(db)) {
                for (String vm : vms) for (StoredEvent e : es.query(EventQuery.all().vm(vm).limit(100_000))) out.add(e.json());
            }
            return out;
        }
    }
}
