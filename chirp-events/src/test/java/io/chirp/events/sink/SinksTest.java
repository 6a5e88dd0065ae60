package io.chirp.events.sink;

import io.chirp.core.ChirpException;
import io.chirp.events.OcsfEvent;
import io.chirp.events.build.EventContext;
import io.chirp.events.build.ProcessActivity;
import io.chirp.events.build.ProcessInfo;
import io.chirp.events.build.VmIdentity;
import io.chirp.events.store.EventQuery;
import io.chirp.events.store.EventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SinksTest {
    static final EventContext CTX = EventContext.of(VmIdentity.qemu("hv", "vm1", null));

    static OcsfEvent event(int pid, String cmd) {
        return ProcessActivity.launch(CTX, ProcessInfo.of(pid, "sh").withCmdLine(cmd)).build();
    }

    @Test void jsonLinesAppendsPerBatchAndKeepsExistingContent(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("out/events.jsonl");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "{\"previous\":true}\n");
        try (JsonLinesSink sink = new JsonLinesSink(f, 3)) {
            sink.accept(event(1, "a"));
            sink.accept(event(2, "b\nc"));
            assertThat(Files.readAllLines(f)).hasSize(1);          // still buffered
            sink.accept(event(3, "\u001b]0;pwned\u0007"));
            assertThat(Files.readAllLines(f)).hasSize(4);          // batch of 3 written
            sink.accept(event(4, "d"));
            sink.flush();
            assertThat(Files.readAllLines(f)).hasSize(5);
            sink.accept(event(5, "e"));
        }
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).isEqualTo("{\"previous\":true}");
        assertThat(lines.subList(1, 6)).extracting(l -> OcsfEvent.parse(l).json().at("/process/pid").asInt())
                .containsExactly(1, 2, 3, 4, 5);
        assertThat(OcsfEvent.parse(lines.get(2)).json().at("/process/cmd_line").asText()).isEqualTo("b\nc");
        assertThat(String.join("", lines)).doesNotContain("\u001b");
    }

    @Test void stdoutPrintsOneLinePerEventAtOnce() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (StdoutSink sink = new StdoutSink(new PrintStream(bytes, false, StandardCharsets.UTF_8))) {
            sink.accept(event(1, "x\ny"));
            assertThat(bytes.toString(StandardCharsets.UTF_8).lines()).hasSize(1); // no flush() needed
            sink.accept(event(2, "z"));
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(OcsfEvent.parse(lines.get(1)).json().at("/process/pid").asInt()).isEqualTo(2);
    }

    @Test void storeSinkFlushesPartialBatchesOnFlushAndClose(@TempDir Path tmp) {
        Path db = tmp.resolve("e.db");
        EventStore store = EventStore.open(db);
        StoreSink sink = new StoreSink(store, false, 100);
        sink.accept(event(1, "a"));
        assertThat(store.count()).isZero();
        sink.flush();
        assertThat(store.count()).isEqualTo(1);
        sink.accept(event(2, "b"));
        sink.close();
        assertThat(store.query(EventQuery.all())).hasSize(2); // store not owned: still open
        store.close();
    }

    @Test void sinkSpecsParse(@TempDir Path tmp) {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        try (EventSink s = EventSink.parse("stdout", out)) {
            assertThat(s).isInstanceOf(StdoutSink.class);
        }
        try (EventSink s = EventSink.parse("jsonl:" + tmp.resolve("a.jsonl"), out)) {
            assertThat(s).isInstanceOf(JsonLinesSink.class);
        }
        try (EventSink s = EventSink.parse("store:" + tmp.resolve("a.db"), out)) {
            assertThat(s).isInstanceOf(StoreSink.class);
            s.accept(event(1, "a"));
        }
        try (EventStore st = EventStore.openReadOnly(tmp.resolve("a.db"))) {
            assertThat(st.count()).isEqualTo(1);
        }
        assertThatThrownBy(() -> EventSink.parse("kafka:x", out)).isInstanceOf(ChirpException.class);
        assertThatThrownBy(() -> EventSink.parse("jsonl:", out)).isInstanceOf(ChirpException.class);
    }
}
