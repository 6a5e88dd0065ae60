package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code linux bpf}, {@code linux caps} and the UTC columns on the kobjects guest, through the CLI in JSON (typed
 * numbers, not strings), held to the guest's fdinfo and status lines and its own date.
 */
@WithLabGuest(scenario = "kobjects")
class KernelObjectsCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String... args) throws Exception {
        CommandTreeTest.Run r = CommandTreeTest.run(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(ExitCode.OK.code());
        TableTest.assertInert(r.out());
        return JSON.readTree(r.out());
    }

    @Test
    void bpfProgramsAndMapsAsTheGuestSeesThem(LabGuest g) throws Exception {
        GroundTruth t = g.groundTruth();
        GroundTruth.BpfFd prog = t.bpfFds().stream().filter(f -> f.fields().containsKey("prog_id")).findFirst().orElseThrow();
        GroundTruth.BpfFd map = t.bpfFds().stream().filter(f -> f.fields().containsKey("map_id")).findFirst().orElseThrow();
        JsonNode progs = json("linux", "bpf", "--vm", g.name(), "--format", "json");
        JsonNode p = find(progs, "id", Integer.parseInt(prog.fields().get("prog_id")));
        assertThat(p.get("id").isInt()).isTrue();
        assertThat(p.get("type").asText()).isEqualTo("socket_filter");
        assertThat(p.get("tag").asText()).isEqualTo(prog.fields().get("prog_tag"));
        assertThat(p.get("name").asText()).isEqualTo("chirp_filter");
        assertThat(p.get("holders").asText()).contains(prog.pid() + "/chirp-kobjects:" + prog.fd());
        assertThat(p.get("loaded_s").isNumber()).isTrue();
        Instant loaded = Instant.parse(p.get("loaded_utc").asText());
        assertThat((double) loaded.getEpochSecond()).isCloseTo(t.date().orElseThrow(), within(120.0));
        assertThat(p.get("maps").get(0).asText()).isEqualTo(map.fields().get("map_id"));

        JsonNode m = find(json("linux", "bpf", "--maps", "--vm", g.name(), "--format", "json"), "id",
                Integer.parseInt(map.fields().get("map_id")));
        assertThat(m.get("type").asText()).isEqualTo("array");
        assertThat(m.get("max_entries").asLong()).isEqualTo(Long.parseLong(map.fields().get("max_entries")));
        assertThat(m.get("holders").asText()).contains(map.pid() + "/chirp-kobjects:" + map.fd());
    }

    @Test
    void capsAndPtraceAsTheGuestsStatusSaysAndUtcBesideSecondsSinceBoot(LabGuest g) throws Exception {
        GroundTruth t = g.groundTruth();
        JsonNode traced = json("linux", "caps", "--traced", "--names", "--vm", g.name(), "--format", "json");
        List<Integer> tracers = new ArrayList<>();
        for (GroundTruth.TaskStatus s : t.taskStatus()) if (s.tracerPid() != 0) tracers.add(s.pid());
        assertThat(tracers).isNotEmpty();
        for (int pid : tracers) {
            JsonNode row = find(traced, "pid", pid);
            GroundTruth.TaskStatus s = t.taskStatus().stream().filter(x -> x.pid() == pid).findFirst().orElseThrow();
            assertThat(row.get("tracer").asInt()).isEqualTo(s.tracerPid());
            assertThat(row.get("bounding").asText()).isEqualTo(String.format("%016x", s.bounding()));
            assertThat(find(traced, "pid", s.tracerPid()).get("tracees").toString()).contains("\"" + pid + "\"");
        }
        JsonNode all = json("linux", "caps", "--names", "--vm", g.name(), "--format", "json");
        assertThat(find(all, "pid", 1).get("effective_names").toString()).contains("sys_admin", "bpf");

        JsonNode ps = json("linux", "pslist", "--pid", "1", "--vm", g.name(), "--format", "json");
        double boot = t.date().orElseThrow() - t.uptime().orElseThrow();
        JsonNode init = ps.get(0);
        assertThat(init.get("start_s").isNumber()).isTrue();
        Instant start = Instant.parse(init.get("start_utc").asText());
        assertThat(start.getEpochSecond() - init.get("start_s").asDouble()).isCloseTo(boot, within(3.0));

        JsonNode log = json("linux", "dmesg", "--vm", g.name(), "--format", "json");
        JsonNode last = log.get(log.size() - 1);
        assertThat(last.get("seconds").isNumber()).isTrue();
        assertThat(Instant.parse(last.get("time_utc").asText()).getEpochSecond() - last.get("seconds").asDouble())
                .isCloseTo(boot, within(3.0));
    }

    private static JsonNode find(JsonNode rows, String field, int value) {
        for (JsonNode r : rows) if (r.path(field).asInt(-1) == value) return r;
        throw new AssertionError("no row with " + field + " " + value + " in " + rows);
    }
}
