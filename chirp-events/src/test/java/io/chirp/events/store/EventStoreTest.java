package io.chirp.events.store;

import io.chirp.core.ChirpException;
import io.chirp.events.EventClass;
import io.chirp.events.OcsfEvent;
import io.chirp.events.build.Endpoint;
import io.chirp.events.build.EventContext;
import io.chirp.events.build.NetworkActivity;
import io.chirp.events.build.ProcessActivity;
import io.chirp.events.build.ProcessInfo;
import io.chirp.events.build.VmIdentity;
import io.chirp.events.sink.StoreSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventStoreTest {
    static final long T0 = Instant.parse("2026-08-05T10:00:00Z").toEpochMilli();
    static final EventContext VM_A = EventContext.of(VmIdentity.qemu("hv", "vm-a", null));
    static final EventContext VM_B = EventContext.of(VmIdentity.qemu("hv", "vm-b", "0b6f1e9e-0d36-4c7e-9d8a-2a4f4f1b6c01"));

    /** Event i: alternating VMs, every third a network event, one second apart. */
    static OcsfEvent event(int i) {
        EventContext ctx = i % 2 == 0 ? VM_A : VM_B;
        if (i % 3 == 0) {
            return NetworkActivity.listen(ctx, new Endpoint("0.0.0.0", 1000 + i), "tcp").time(T0 + i * 1000L).build();
        }
        return ProcessActivity.launch(ctx, ProcessInfo.of(i, "p" + i)).time(T0 + i * 1000L).build();
    }

    @Test void storesAndQueriesByVmClassTimeAndLimit(@TempDir Path tmp) {
        Path db = tmp.resolve("sub/events.db");
        storesAndQueries(() -> EventStore.open(db), () -> EventStore.openReadOnly(db));
    }

    /** The store's queries, on the store {@code writer} opens, read back through {@code reader} (SQLite and PostgreSQL). */
    static void storesAndQueries(java.util.function.Supplier<EventStore> writer, java.util.function.Supplier<EventStore> reader) {
        try (StoreSink sink = new StoreSink(writer.get(), true, 100)) {
            for (int i = 999; i >= 0; i--) sink.accept(event(i)); // out of time order on purpose
        }
        try (EventStore store = reader.get()) {
            assertThat(store.count()).isEqualTo(1000);
            List<StoredEvent> all = store.query(EventQuery.all().limit(5000));
            assertThat(all).hasSize(1000);
            assertThat(all).isSortedAccordingTo((a, b) -> Long.compare(a.time(), b.time()));

            List<StoredEvent> a = store.query(EventQuery.all().vm("vm-a").limit(5000));
            assertThat(a).hasSize(500).allMatch(e -> e.vm().equals("vm-a"));

            List<StoredEvent> net = store.query(EventQuery.all().classUid(EventClass.NETWORK_ACTIVITY.uid()).limit(5000));
            assertThat(net).hasSize(334).allMatch(e -> e.classUid() == 4001 && e.activity().equals("Listen"));

            List<StoredEvent> recent = store.query(EventQuery.all().since(Instant.ofEpochMilli(T0 + 990_000)));
            assertThat(recent).extracting(StoredEvent::time).containsExactly(
                    java.util.stream.LongStream.rangeClosed(990, 999).map(i -> T0 + i * 1000).boxed().toArray(Long[]::new));

            List<StoredEvent> last3 = store.query(EventQuery.all().vm("vm-b").classUid(1007).limit(3));
            assertThat(last3).extracting(e -> e.event().json().at("/process/pid").asInt()).containsExactly(991, 995, 997); // odd: vm-b; multiples of 3 are network events
            assertThat(pages(store, EventQuery.all().vm("vm-a"), 7)).as("vm-a's events paged back in time")
                    .extracting(StoredEvent::id).containsExactlyElementsOf(a.reversed().stream().map(StoredEvent::id).toList());
            OcsfEvent back = last3.get(2).event();
            assertThat(back.uid()).isEqualTo(last3.get(2).uid()).isNotBlank();
            assertThat(back.json().at("/device/uid").asText()).isEqualTo("0b6f1e9e-0d36-4c7e-9d8a-2a4f4f1b6c01");
        }
    }

    /** {@return every event {@code q} matches, newest first, read {@code size} at a time with a cursor} */
    static List<StoredEvent> pages(EventStore store, EventQuery q, int size) {
        List<StoredEvent> out = new java.util.ArrayList<>();
        EventQuery.Cursor before = null;
        for (int n = 0; n < 100_000; n++) {
            List<StoredEvent> page = store.query(q.limit(size).before(before));
            assertThat(page).hasSizeLessThanOrEqualTo(size).isSortedAccordingTo((x, y) -> Long.compare(x.time(), y.time()));
            out.addAll(page.reversed());
            if (page.size() < size) return out;
            before = EventQuery.Cursor.after(page.getFirst());
        }
        throw new AssertionError("paging did not end");
    }

    @Test void pagesBackInTimeThroughEventsSharingAMillisecond(@TempDir Path tmp) {
        try (EventStore store = EventStore.open(tmp.resolve("events.db"))) {
            List<OcsfEvent> batch = new java.util.ArrayList<>();
            // 100 events, five in each millisecond, inserted out of order: the id breaks each tie
            for (int i = 99; i >= 0; i--) {
                batch.add(ProcessActivity.launch(i % 2 == 0 ? VM_A : VM_B, ProcessInfo.of(i, "p" + i)).time(T0 + (i / 5)).build());
            }
            store.insert(batch);
            List<StoredEvent> all = store.query(EventQuery.all().limit(1000));
            List<Long> newestFirst = all.reversed().stream().map(StoredEvent::id).toList();
            for (int size : new int[] {1, 3, 5, 7, 100, 101}) {
                assertThat(pages(store, EventQuery.all(), size)).as("pages of " + size).extracting(StoredEvent::id)
                        .containsExactlyElementsOf(newestFirst);
            }
            assertThat(pages(store, EventQuery.all().vm("vm-b"), 4)).hasSize(50).allMatch(e -> e.vm().equals("vm-b"));
            EventQuery.Cursor c = EventQuery.Cursor.after(all.get(50));
            assertThat(EventQuery.Cursor.parse(c.toString())).isEqualTo(c);
            assertThat(store.query(EventQuery.all().before(c).limit(1000))).hasSize(50)
                    .allMatch(e -> e.time() < c.time() || e.time() == c.time() && e.id() < c.id());
        }
    }

    @Test void storeAndItsWalAreOwnerOnly(@TempDir Path tmp) throws Exception {
        Path db = tmp.resolve("new/events.db");
        try (StoreSink sink = new StoreSink(EventStore.open(db), true, 10)) {
            sink.accept(event(1));
            sink.flush();
            assertThat(java.nio.file.Files.getPosixFilePermissions(db)).isEqualTo(io.chirp.core.OwnerOnly.FILE);
            assertThat(java.nio.file.Files.getPosixFilePermissions(db.resolveSibling("events.db-wal")))
                    .isEqualTo(io.chirp.core.OwnerOnly.FILE);
        }
        assertThat(java.nio.file.Files.getPosixFilePermissions(db.getParent())).isEqualTo(io.chirp.core.OwnerOnly.DIR);
        // a store an older CHIRP left world-readable is restricted when opened for writing
        java.nio.file.Files.setPosixFilePermissions(db, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        EventStore.open(db).close();
        assertThat(java.nio.file.Files.getPosixFilePermissions(db)).isEqualTo(io.chirp.core.OwnerOnly.FILE);
    }

    @Test void insertNewStoresEachEventIdOnceAcrossBatchesAndReopening(@TempDir Path tmp) {
        Path db = tmp.resolve("events.db");
        insertNewOnce(() -> EventStore.open(db));
    }

    /** De-duplication by event id across batches and reopening, on the store {@code open} opens (SQLite and PostgreSQL). */
    static void insertNewOnce(java.util.function.Supplier<EventStore> open) {
        List<OcsfEvent> events = new ArrayList<>();
        for (int i = 0; i < 10; i++) events.add(event(i));
        try (EventStore store = open.get()) {
            assertThat(store.insertNew(events.subList(0, 6))).hasSize(6);
            // a redelivery overlapping the first batch, with a copy inside the batch itself
            List<OcsfEvent> again = new ArrayList<>(events.subList(4, 10));
            again.add(events.get(7));
            assertThat(store.insertNew(again)).containsExactlyElementsOf(events.subList(6, 10));
        }
        try (EventStore store = open.get()) {
            assertThat(store.insertNew(events)).isEmpty();
            assertThat(store.count()).isEqualTo(10);
            assertThat(store.query(EventQuery.all().limit(100))).extracting(StoredEvent::uid)
                    .containsExactlyElementsOf(events.stream().map(OcsfEvent::uid).toList());
            assertThatThrownBy(() -> store.insertNew(List.of(new OcsfEvent(stripUid(event(11))))))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode stripUid(OcsfEvent e) {
        var j = e.json();
        ((com.fasterxml.jackson.databind.node.ObjectNode) j.get("metadata")).remove("uid");
        return j;
    }

    @Test void usesWalAndIndexes(@TempDir Path tmp) throws Exception {
        Path db = tmp.resolve("events.db");
        EventStore.open(db).close();
        try (Connection c = StoreDatabase.connect(db, true); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
            List<String> idx = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='events'")) {
                while (rs.next()) idx.add(rs.getString(1));
            }
            assertThat(idx).contains("events_time", "events_vm", "events_class");
            try (ResultSet rs = s.executeQuery(
                    "EXPLAIN QUERY PLAN SELECT * FROM events WHERE vm = 'x' ORDER BY time DESC LIMIT 5")) {
                StringBuilder plan = new StringBuilder();
                while (rs.next()) plan.append(rs.getString(4)).append('\n');
                assertThat(plan.toString()).contains("events_vm");
            }
        }
    }

    @Test void readersQueryWhileTheWriterWrites(@TempDir Path tmp) throws Exception {
        Path db = tmp.resolve("events.db");
        EventStore writer = EventStore.open(db);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Long> seen = new ArrayList<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            try (EventStore r = EventStore.openReadOnly(db)) {
                for (int i = 0; i < 200; i++) seen.add(r.count());
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        try (StoreSink sink = new StoreSink(writer, true, 10)) {
            for (int i = 0; i < 2000; i++) sink.accept(event(i));
        }
        reader.join();
        assertThat(failure.get()).isNull();
        assertThat(seen).isSorted().allMatch(n -> n % 10 == 0); // whole batches only: readers never see half of one
        try (EventStore r = EventStore.openReadOnly(db)) {
            assertThat(r.count()).isEqualTo(2000);
        }
    }

    @Test void readOnlyStoreRefusesWritesAndMissingStoreIsNotFound(@TempDir Path tmp) {
        Path db = tmp.resolve("events.db");
        assertThatThrownBy(() -> EventStore.openReadOnly(db)).isInstanceOf(ChirpException.class)
                .satisfies(e -> assertThat(((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.NOT_FOUND));
        EventStore.open(db).close();
        try (EventStore r = EventStore.openReadOnly(db)) {
            assertThatThrownBy(() -> r.insert(List.of(event(1)))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test void defaultPathFollowsChirpHomeOrCache() {
        Path p = StoreDatabase.defaultPath();
        assertThat(p.getFileName().toString()).isEqualTo("events.db");
        String home = System.getenv("CHIRP_HOME");
        if (home != null && !home.isBlank()) assertThat(p).isEqualTo(Path.of(home, "events.db"));
        else assertThat(p).isEqualTo(Path.of(System.getProperty("user.home"), ".cache", "chirp", "events.db"));
    }
}
