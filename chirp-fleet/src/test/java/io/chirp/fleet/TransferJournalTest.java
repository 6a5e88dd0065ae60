package io.chirp.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The server's journal of commands in flight and its custody import marks, as a restarted server reads them. */
class TransferJournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    private static FleetCommand command(String id) {
        long now = System.currentTimeMillis();
        return new FleetCommand(id, "hv-1", FleetCommand.Action.ACQUIRE_MEMORY, "vm-a", Map.of("mode", "live", "format", "elf"), now,
                now + 600_000);
    }

    @Test void aJournalComesBackWithItsCommandJobStateAndChunks() throws Exception {
        FleetCommand c = command("00112233445566778899aabbccddeeff");
        TransferJournal j = new TransferJournal(dir, c, JSON.createObjectNode().put("id", "0123456789abcdef"));
        j.openFile();
        j.out.write(java.nio.ByteBuffer.wrap(new byte[10]), 3L * Transfer.CHUNK);
        j.total = 3L * Transfer.CHUNK + 10;
        j.chunks.set(0);
        j.chunks.set(3);
        j.state = "transferring";
        j.save();
        j.closeFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(j.journal))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(j.partial))).isEqualTo("rw-------");

        List<TransferJournal> back = TransferJournal.loadAll(dir);
        assertThat(back).singleElement().satisfies(b -> {
            assertThat(b.command).isEqualTo(c);
            assertThat(b.job.path("id").asText()).isEqualTo("0123456789abcdef");
            assertThat(b.state).isEqualTo("transferring");
            assertThat(b.total).isEqualTo(3L * Transfer.CHUNK + 10);
            assertThat(b.chunks.stream().boxed().toList()).containsExactly(0, 3);
            assertThat(b.complete()).isFalse();
            assertThat(b.error).isNull();
            b.chunks.set(1, 3);
            assertThat(b.complete()).isTrue();
        });
        back.getFirst().delete();
        try (var s = Files.list(dir)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test void aJournalWhosePartialFileIsGoneFailsItsJobAndABadOneIsSetAside() throws Exception {
        TransferJournal j = new TransferJournal(dir, command("00112233445566778899aabbccddee00"), null);
        j.chunks.set(0);
        j.save(); // chunks journaled, but no partial file
        Files.writeString(dir.resolve("ffffffffffffffffffffffffffffffff.json"), "{\"version\":1,\"command\":{\"id\":\"x\"}}");
        List<TransferJournal> back = TransferJournal.loadAll(dir);
        assertThat(back).singleElement().satisfies(b -> assertThat(b.error).contains("partial file"));
        assertThat(dir.resolve("ffffffffffffffffffffffffffffffff.json.bad")).exists();
        assertThat(dir.resolve("ffffffffffffffffffffffffffffffff.json")).doesNotExist();
    }

    @Test void importMarksSkipWhatWasHandedOnAcrossReopening() throws Exception {
        Path f = dir.resolve("marks.json");
        ImportMarks m = ImportMarks.open(f);
        FleetRecord r1 = new FleetRecord(FleetRecord.Kind.CUSTODY, "a", "hv-1", null, 1, 5, 0, JSON.createObjectNode());
        FleetRecord r2 = new FleetRecord(FleetRecord.Kind.CUSTODY, "b", "hv-1", null, 1, 6, 0, JSON.createObjectNode());
        assertThat(m.take(r1)).isTrue();
        m.save();
        ImportMarks again = ImportMarks.open(f);
        assertThat(again.take(r1)).as("read again after a restart").isFalse();
        assertThat(again.take(r2)).isTrue();
        assertThat(again.take(new FleetRecord(FleetRecord.Kind.CUSTODY, "c", "hv-1", null, 2, 0, 0, JSON.createObjectNode())))
                .as("a new epoch of the sensor").isTrue();
        assertThat(again.take(new FleetRecord(FleetRecord.Kind.CUSTODY, "d", "hv-2", null, 1, 1, 0, JSON.createObjectNode()))).isTrue();
    }
}
