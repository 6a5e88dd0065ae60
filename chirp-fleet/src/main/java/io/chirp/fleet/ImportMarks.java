package io.chirp.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.core.OwnerOnly;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * How far the server has handed on the records it cannot de-duplicate by id in the store (custody records, which
 * go into the central chain): per record key, the last (epoch, seq) taken. Saved (atomically) before the ingest
 * commits the batch, so a batch read again after a server kill does not append a sensor's custody record to the
 * central chain twice. A key's records arrive in order (one key, one partition), so a high-water mark suffices.
 */
final class ImportMarks {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_FILE = 16 << 20;

    private final Path file;
    private final Map<String, long[]> marks = new HashMap<>();
    private boolean dirty;

    private ImportMarks(Path file) { this.file = file; }

    /** {@return the marks kept in {@code file} (none yet if it does not exist)} */
    static ImportMarks open(Path file) {
        ImportMarks m = new ImportMarks(file);
        if (!Files.exists(file)) return m;
        try {
            if (Files.size(file) > MAX_FILE) throw new IOException("over " + MAX_FILE + " bytes");
            JsonNode o = JSON.readTree(file.toFile());
            o.properties().forEach(e -> m.marks.put(e.getKey(), new long[] {e.getValue().path(0).asLong(), e.getValue().path(1).asLong()}));
        } catch (IOException e) {
            throw ChirpException.io("cannot read the fleet's import marks " + file + ": " + e.getMessage(), e);
        }
        return m;
    }

    /** {@return true if {@code r} is new: after its key's mark} Moves the mark to it. */
    boolean take(FleetRecord r) {
        long[] last = marks.get(r.key());
        if (last != null && (r.epoch() < last[0] || (r.epoch() == last[0] && r.seq() <= last[1]))) return false;
        marks.put(r.key(), new long[] {r.epoch(), r.seq()});
        dirty = true;
        return true;
    }

    /** Writes the marks if they moved (temporary file, fsync, rename). */
    void save() {
        if (!dirty) return;
        ObjectNode o = JSON.createObjectNode();
        marks.forEach((k, v) -> o.putArray(k).add(v[0]).add(v[1]));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            OwnerOnly.createFile(tmp);
            try (FileChannel f = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                f.write(ByteBuffer.wrap(JSON.writeValueAsBytes(o)));
                f.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw ChirpException.io("cannot save the fleet's import marks " + file + ": " + e.getMessage(), e);
        }
        dirty = false;
    }
}
