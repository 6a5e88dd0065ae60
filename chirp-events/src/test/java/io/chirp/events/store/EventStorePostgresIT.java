package io.chirp.events.store;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The event store's own tests, the same code as {@link EventStoreTest}'s, against a real PostgreSQL server: the
 * same queries (by VM, class, time, limit, oldest first), the same de-duplication by event id across batches and
 * reopening.
 */
class EventStorePostgresIT {
    private static TestPostgres pg;

    @BeforeAll static void start() throws Exception { pg = TestPostgres.start(); }

    @AfterAll static void stop() throws Exception {
        if (pg != null) pg.close();
    }

    @Test void storesAndQueriesByVmClassTimeAndLimit() throws Exception {
        String db = pg.newDatabase();
        EventStoreTest.storesAndQueries(() -> EventStore.open(db), () -> EventStore.open(db));
        try (EventStore s = EventStore.open(db)) {
            assertThat(s.dialect()).isEqualTo(EventStore.Dialect.POSTGRESQL);
            assertThat(s.file()).isNull();
        }
    }

    @Test void insertNewStoresEachEventIdOnceAcrossBatchesAndReopening() throws Exception {
        String db = pg.newDatabase();
        EventStoreTest.insertNewOnce(() -> EventStore.open(db));
    }

    @Test void aStoreThatCannotBeReachedIsAnIoErrorWithoutThePassword() {
        assertThatThrownBy(() -> EventStore.open("postgresql://127.0.0.1:1/none?user=x&password=s3cret"))
                .isInstanceOf(ChirpException.class).hasMessageContaining("password=***").hasMessageNotContaining("s3cret");
        assertThat(StoreDatabase.isPostgresql("/tmp/events.db")).isFalse();
        assertThat(List.of("postgresql://h/db", "jdbc:postgresql://h/db")).allMatch(StoreDatabase::isPostgresql);
    }
}
