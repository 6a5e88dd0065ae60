package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.core.ChirpVersion;
import io.chirp.events.build.EventContext;
import io.chirp.events.build.ProcessActivity;
import io.chirp.events.build.ProcessInfo;
import io.chirp.events.build.VmIdentity;
import io.chirp.events.store.EventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chirp events} on a real event store holding an event whose every guest string is hostile. */
class EventsCommandTest {
    @TempDir Path dir;

    Path store() {
        Path db = dir.resolve("events.db");
        ProcessInfo p = ProcessInfo.of(4242, TableTest.HOSTILE).withCmdLine("sh -c " + TableTest.HOSTILE)
                .withPath("/tmp/" + TableTest.HOSTILE);
        try (EventStore s = EventStore.open(db)) {
            s.insert(List.of(ProcessActivity.launch(EventContext.of(VmIdentity.qemu("host", "vm\u009b1", "uuid-1")), p)
                    .build()));
        }
        return db;
    }

    @Test
    void hostileEventsPrintInertInEveryFormat() throws Exception {
        Path db = store();
        CommandTreeTest.Run json = CommandTreeTest.run("events", "--store", db.toString(), "--format", "json");
        assertThat(json.code()).as(json.err()).isZero();
        TableTest.assertInert(json.out());
        JsonNode e = new ObjectMapper().readTree(json.out()).get(0);
        // The store keeps events as UTF-8 text, where a lone surrogate cannot live: it holds a '?' for each.
        String stored = TableTest.HOSTILE.replace("\udc9b", "?").replace("\ud800", "?");
        assertThat(e.at("/process/name").asText()).isEqualTo(stored);
        assertThat(e.at("/metadata/product/version").asText()).isEqualTo(ChirpVersion.current().toString());
        for (Table.Format f : List.of(Table.Format.table, Table.Format.csv)) {
            CommandTreeTest.Run r = CommandTreeTest.run("events", "--store", db.toString(), "--format", f.name());
            assertThat(r.code()).as(f + ": " + r.err()).isZero();
            TableTest.assertInert(r.out());
            assertThat(r.out()).contains(Table.escape("sh -c " + stored), "vm\\u009b1");
        }
    }

    @Test
    void anUnknownClassIsAUsageError() {
        CommandTreeTest.Run r = CommandTreeTest.run("events", "--store", store().toString(), "--class", "4002");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(r.err()).contains("unknown event class '4002'");
        assertThat(CommandTreeTest.run("events", "--store", store().toString(), "--class", "1007").code()).isZero();
    }
}
