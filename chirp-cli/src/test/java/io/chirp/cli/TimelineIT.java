package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.evidence.store.Actor;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chirp timeline} on a real lab guest: a process the guest starts while {@code chirp monitor} watches it, and
 * a file it writes to its disk, are both on the VM's timeline, in time order, as CSV and as Timesketch JSONL.
 */
@WithLabGuest
class TimelineIT {
    @Test
    void aVmTimelineMergesEventsAndDiskTimesAsCsvAndTimesketchJsonl(LabGuest g, @TempDir Path dir) throws Exception {
        Path store = dir.resolve("events.db");
        g.shell("echo mark > /mnt/data/timeline-mark.txt; sync; echo ok", Duration.ofSeconds(120));
        CompletableFuture<CommandTreeTest.Run> monitor = CompletableFuture.supplyAsync(() -> CommandTreeTest.run("monitor",
                "--vm", g.name(), "--sink", "store:" + store, "--duration", "50s", "--interval", "500ms", "--integrity-every", "0"));
        Thread.sleep(20_000); // the monitor has its first snapshot well before this, even on a loaded machine
        g.shell("(sleep 3031 &)", Duration.ofSeconds(60));
        CommandTreeTest.Run m = monitor.get();
        assertThat(m.code()).as(m.err()).isZero();

        // a case: the VM and an artifact of it, on one axis with the VM's events (timeline --case)
        Path evidence = dir.resolve("evidence");
        String caseId, artifact;
        try (EvidenceStore e = EvidenceStore.open(evidence)) {
            caseId = e.cases().create("timeline case", "", Actor.cli()).id();
            e.cases().addVm(caseId, g.name(), Actor.cli());
            artifact = e.collect(Actor.cli(), caseId, folder -> {
                try (EvidenceWriter w = EvidenceWriter.create(folder.resolve("note.txt"))) {
                    byte[] b = "collected for the case\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    w.write(b, 0, b.length);
                    w.commit(new EvidenceWriter.Description("file", "FILE", new EvidenceManifest.Source(g.name(), "qemu", java.util.Map.of()),
                            "copy", true, List.of(), java.util.Map.of()));
                }
            }).getFirst().id();
        }
        CommandTreeTest.Run cs = CommandTreeTest.run("timeline", "--case", caseId, "--evidence", evidence.toString(),
                "--store", store.toString(), "--format", "json");
        assertThat(cs.code()).as(cs.err()).isZero();
        List<String> sources = new ArrayList<>();
        boolean sawArtifact = false, sawProcess = false;
        for (JsonNode r : new ObjectMapper().readTree(cs.out())) {
            sources.add(r.path("source").asText());
            if (r.path("source").asText().equals("artifact") && r.path("ref").asText().equals(artifact)) sawArtifact = true;
            if (r.path("source").asText().equals("event") && r.path("vm").asText().equals(g.name())) sawProcess = true;
        }
        assertThat(sawArtifact).as(cs.out()).isTrue();
        assertThat(sawProcess).as("the case VM's events (what the monitor stored)").isTrue();
        CommandTreeTest.Run none = CommandTreeTest.run("timeline", "--case", "c-nosuchcase", "--evidence", evidence.toString(),
                "--store", store.toString());
        assertThat(none.code()).as(none.err()).isEqualTo(ExitCode.ERROR.code());
        assertThat(CommandTreeTest.run("timeline", "--store", store.toString()).code()).isEqualTo(ExitCode.USAGE.code());


        CommandTreeTest.Run jsonl = CommandTreeTest.run("timeline", "--vm", g.name(), "--store", store.toString(), "--disk",
                "--format", "jsonl");
        assertThat(jsonl.code()).as(jsonl.err()).isIn(ExitCode.OK.code(), ExitCode.PARTIAL.code());
        List<JsonNode> lines = new ArrayList<>();
        for (String l : jsonl.out().lines().toList()) lines.add(new ObjectMapper().readTree(l));
        assertThat(lines).isNotEmpty().allSatisfy(l -> {
            assertThat(l.path("message").isTextual()).isTrue();
            assertThat(l.path("timestamp_desc").isTextual()).isTrue();
            assertThat(Instant.parse(l.path("datetime").asText())).isNotNull();
            assertThat(l.path("timestamp").isIntegralNumber()).isTrue();
        });
        assertThat(lines).as("the guest's process, from the monitor's events").anySatisfy(l -> {
            assertThat(l.path("source").asText()).isEqualTo("event");
            assertThat(l.path("message").asText()).contains("sleep 3031");
        });
        assertThat(lines).as("the file it wrote, from its disk").anySatisfy(l -> {
            assertThat(l.path("source").asText()).isEqualTo("disk");
            assertThat(l.path("kind").asText()).isEqualTo("M");
            assertThat(l.path("message").asText()).isEqualTo("/timeline-mark.txt");
        });
        List<Instant> times = lines.stream().map(l -> Instant.parse(l.path("datetime").asText())).toList();
        assertThat(times).isSorted();

        CommandTreeTest.Run csv = CommandTreeTest.run("timeline", "--vm", g.name(), "--store", store.toString(),
                "--source", "event", "--grep", "sleep 3031", "--format", "csv");
        assertThat(csv.code()).as(csv.err()).isZero();
        List<String> rows = csv.out().lines().toList();
        assertThat(rows.getFirst()).isEqualTo("time,vm,source,kind,timestamp_desc,message,severity,ref");
        assertThat(rows).hasSizeGreaterThan(1);
        assertThat(rows.subList(1, rows.size())).allSatisfy(r -> assertThat(r).contains("," + g.name() + ",event,", "sleep 3031"));

    }
}
