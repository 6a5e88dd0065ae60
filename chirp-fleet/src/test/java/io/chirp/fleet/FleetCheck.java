package io.chirp.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault tests' accounting: what the sensors say they produced (their ledgers: every record kept in a spool,
 * across restarts) against what the server's store holds, per VM: produced = stored, none lost, none twice, in the
 * order produced.
 */
public final class FleetCheck {
    private FleetCheck() {}

    /** Per VM, the event and alert ids in the order the ledgers list them, each once (a re-sent id counts once). */
    public static Map<String, List<String>> produced(List<Path> ledgers) throws IOException {
        Map<String, Set<String>> seen = new LinkedHashMap<>();
        for (Path l : ledgers) {
            if (!Files.exists(l)) continue; // its sensor has not started yet
            for (String line : Files.readAllLines(l)) {
                String[] f = line.split(" ");
                if (f.length != 6) continue; // a line torn by a kill -9 (the record itself is in the spool or not)
                if (!f[0].equals("kept") || !(f[1].equals("event") || f[1].equals("alert"))) continue;
                seen.computeIfAbsent(f[2], k -> new LinkedHashSet<>()).add(f[5]);
            }
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        seen.forEach((vm, ids) -> out.put(vm, List.copyOf(ids)));
        return out;
    }

    /** {@return records the ledgers list as dropped by a full spool} */
    public static long dropped(List<Path> ledgers) throws IOException {
        long n = 0;
        for (Path l : ledgers) {
            if (!Files.exists(l)) continue;
            for (String line : Files.readAllLines(l)) if (line.startsWith("dropped ")) n++;
        }
        return n;
    }

    /** Per VM, the stored event ids in the order they were stored (all of them, duplicates included). */
    public static Map<String, List<String>> stored(Path db) throws SQLException {
        return storedAt("jdbc:sqlite:" + db.toAbsolutePath() + "?open_mode=1");
    }

    /** {@return as {@link #stored(Path)}, from the store at {@code jdbc} (e.g. a PostgreSQL server's)} */
    public static Map<String, List<String>> storedAt(String jdbc) throws SQLException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(jdbc);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT vm, uid FROM events ORDER BY id")) {
            while (rs.next()) out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
        }
        return out;
    }

    /** Asserts, VM by VM: the store holds exactly what was produced, each once, in the order produced. */
    public static void assertExactlyOnceInOrder(Map<String, List<String>> produced, Map<String, List<String>> stored) {
        assertThat(produced).isNotEmpty();
        for (Map.Entry<String, List<String>> e : produced.entrySet()) {
            List<String> got = stored.getOrDefault(e.getKey(), List.of());
            assertThat(new LinkedHashSet<>(got)).as("no event of %s stored twice", e.getKey()).hasSize(got.size());
            Set<String> want = new LinkedHashSet<>(e.getValue());
            List<String> lost = e.getValue().stream().filter(id -> !got.contains(id)).toList();
            assertThat(lost).as("events of %s lost (%d produced, %d stored)", e.getKey(), want.size(), got.size()).isEmpty();
            List<String> extra = got.stream().filter(id -> !want.contains(id)).toList();
            assertThat(extra).as("events of %s stored but never produced", e.getKey()).isEmpty();
            assertThat(got).as("order of %s", e.getKey()).containsExactlyElementsOf(e.getValue());
        }
    }

    /** {@return total ids over all VMs} */
    public static long total(Map<String, List<String>> m) { return m.values().stream().mapToLong(List::size).sum(); }

    /** Waits until the store holds at least the produced count, or {@code maxMillis} passed. */
    public static void awaitStored(Path db, Map<String, List<String>> produced, long maxMillis) throws Exception {
        long end = System.currentTimeMillis() + maxMillis;
        long want = total(produced);
        while (System.currentTimeMillis() < end) {
            if (Files.exists(db) && total(stored(db)) >= want) return;
            Thread.sleep(250);
        }
    }
}
