package io.chirp.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.events.OcsfEvent;
import io.chirp.events.build.Endpoint;
import io.chirp.events.build.EventContext;
import io.chirp.events.build.NetworkActivity;
import io.chirp.events.build.ProcessActivity;
import io.chirp.events.build.ProcessInfo;
import io.chirp.events.build.VmIdentity;
import io.chirp.events.store.EventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Paging back in time through GET /api/events (the console's timeline loads older events this way): a real server
 * over a real store that holds more events than one page, many sharing a millisecond.
 */
class EventPagingTest {
    private static final long T0 = 1_780_000_000_000L;

    /** Event i: VM a or b, every fourth a network event, three in each millisecond. */
    private static OcsfEvent event(int i) {
        EventContext ctx = EventContext.of(VmIdentity.qemu("hv", i % 2 == 0 ? "page-a" : "page-b", null));
        long t = T0 + i / 3;
        return i % 4 == 0 ? NetworkActivity.listen(ctx, new Endpoint("0.0.0.0", 1000 + i), "tcp").time(t).build()
                : ProcessActivity.launch(ctx, ProcessInfo.of(10_000 + i, "p" + i)).time(t).build();
    }

    @Test
    void pagesBackInTimeGiveEveryEventOnceAndTheLastPageSaysSo(@TempDir Path home) throws Exception {
        int n = 250;
        ServerConfig config = ServerConfig.defaults(home).withPort(0)
                .withVms(List.of("no-such-vm-" + ProcessHandle.current().pid())); // its monitor's own events are left out below
        Files.createDirectories(config.storeFile().getParent());
        try (EventStore store = EventStore.open(config.storeFile())) {
            List<OcsfEvent> batch = new ArrayList<>();
            for (int i = n - 1; i >= 0; i--) batch.add(event(i)); // out of time order: the store orders
            store.insert(batch);
        }
        try (ChirpServer s = ChirpServer.start(config)) {
            ApiClient c = new ApiClient(s.uri());
            String viewer = s.credentials().createToken("v", Role.VIEWER).secret();
            List<JsonNode> all = pages(c, viewer, "", 1000);
            assertThat(all).hasSize(n);
            List<String> newestFirst = all.stream().map(r -> r.path("uid").asText()).toList();
            assertThat(new HashSet<>(newestFirst)).hasSize(n);
            for (int size : new int[] {1, 7, 50, 249, 250}) {
                assertThat(pages(c, viewer, "", size)).as("pages of " + size).extracting(r -> r.path("uid").asText())
                        .containsExactlyElementsOf(newestFirst);
            }
            // with the filters the console sends: one VM, one class
            List<JsonNode> b = pages(c, viewer, "&vm=page-b", 9);
            assertThat(b).hasSize(n / 2).allMatch(r -> r.path("vm").asText().equals("page-b"));
            List<JsonNode> net = pages(c, viewer, "&class=network", 11);
            assertThat(net).hasSize((n + 3) / 4).allMatch(r -> r.path("class").asText().equals("network_activity"));
            // a cursor is checked like every parameter
            assertThat(c.get("/api/events?before=1.2.3", viewer).status()).isEqualTo(400);
            assertThat(c.get("/api/events?before=" + URLEncoder.encode("1;drop", StandardCharsets.UTF_8), viewer).status()).isEqualTo(400);
            assertThat(c.get("/api/events?before=99999999999999999999.1", viewer).status()).isEqualTo(400);
        }
    }

    /** {@return every row of /api/events with {@code filters}, newest first, paged {@code size} at a time} */
    private static List<JsonNode> pages(ApiClient c, String token, String filters, int size) {
        List<JsonNode> out = new ArrayList<>();
        Set<String> cursors = new HashSet<>();
        String before = null;
        for (int page = 0; page < 1000; page++) {
            ApiClient.Answer a = c.get("/api/events?limit=" + size + filters + (before == null ? "" : "&before=" + before), token);
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            JsonNode j = a.json();
            List<JsonNode> rows = new ArrayList<>();
            j.path("rows").forEach(rows::add);
            assertThat(rows).hasSizeLessThanOrEqualTo(size);
            // the page's VMs only: the server's monitor writes events of its own (newer than all of these)
            for (int i = rows.size() - 1; i >= 0; i--) if (rows.get(i).path("vm").asText().startsWith("page-")) out.add(rows.get(i));
            JsonNode next = j.path("next_before");
            if (next.isNull()) {
                assertThat(rows.size()).as("only a short page is the last").isLessThan(size);
                return out;
            }
            assertThat(rows).as("a full page").hasSize(size);
            before = next.asText();
            assertThat(cursors.add(before)).as("each page moves back").isTrue();
        }
        throw new AssertionError("paging did not end");
    }
}
