package io.chirp.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.core.OwnerOnly;
import io.chirp.evidence.EvidenceWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.List;

/**
 * One command in flight on the server, kept on disk so it outlives the server: {@code ID.json} (the command, the
 * caller's job, the sensor's last state, size, SHA-256 and manifest once it said them, and a bitmap of the chunks on
 * disk) beside {@code ID.partial}, into which each chunk is written at its offset. The journal is replaced
 * atomically (temporary file, fsync, rename) after the partial file is synced, so what it says is on disk is.
 * Guarded by its own monitor ({@link CommandChannel} synchronizes on it).
 */
final class TransferJournal {
    private static final Logger log = LoggerFactory.getLogger(TransferJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A journal larger than this is not one of ours (1 TiB of 512 KiB chunks is a 256 KiB bitmap). */
    private static final long MAX_JOURNAL = 1 << 20;

    final FleetCommand command;
    final JsonNode job;
    final Path journal, partial;
    final BitSet chunks;
    volatile CommandChannel.Progress progress = (done, total) -> { };
    FileChannel out;
    long total = -1;
    String state = "sent", error, sha256;
    JsonNode manifest;
    boolean deleted;

    TransferJournal(Path dir, FleetCommand command, JsonNode job) {
        this(dir, command, job, new BitSet());
    }

    private TransferJournal(Path dir, FleetCommand command, JsonNode job, BitSet chunks) {
        this.command = command;
        this.job = job == null ? JSON.createObjectNode() : job;
        this.journal = dir.resolve(command.id() + ".json");
        this.partial = dir.resolve(command.id() + ".partial");
        this.chunks = chunks;
    }

    boolean complete() { return total >= 0 && chunks.cardinality() == (int) ((total + Transfer.CHUNK - 1) / Transfer.CHUNK); }

    void openFile() throws IOException {
        if (out == null) {
            if (!Files.exists(partial)) OwnerOnly.createFile(partial);
            out = FileChannel.open(partial, StandardOpenOption.WRITE);
        }
    }

    void closeFile() {
        if (out == null) return;
        try {
            out.close();
        } catch (IOException e) {
            log.debug("closing {}: {}", partial, e.toString());
        }
        out = null;
    }

    /** Writes the journal anew (atomically); nothing once the command has ended. */
    void save() {
        if (deleted) return;
        ObjectNode o = JSON.createObjectNode();
        o.put("version", 1);
        o.set("command", command.json());
        o.set("job", job);
        o.put("state", state).put("total", total);
        if (sha256 != null) o.put("sha256", sha256);
        if (manifest != null) o.set("manifest", manifest);
        if (error != null) o.put("error", error);
        o.put("chunks", Base64.getEncoder().encodeToString(chunks.toByteArray()));
        Path tmp = journal.resolveSibling(journal.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            OwnerOnly.createFile(tmp);
            try (FileChannel f = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                f.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(o)));
                f.force(true);
            }
            Files.move(tmp, journal, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            EvidenceWriter.fsyncDirectory(journal.getParent());
        } catch (IOException e) {
            throw ChirpException.io("cannot journal command " + command.id() + " in " + journal + ": " + e.getMessage(), e);
        }
    }

    /** Removes the journal and the partial file: the command has ended (done, failed or cancelled). */
    void delete() {
        closeFile();
        deleted = true;
        for (Path f : List.of(partial, journal, journal.resolveSibling(journal.getFileName() + ".tmp"))) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", f, e.toString());
            }
        }
    }

    /**
     * {@return the commands journaled in {@code dir}} A journal that cannot be read is set aside as
     * {@code ID.json.bad} (and said so), not taken up and not lost.
     */
    static List<TransferJournal> loadAll(Path dir) {
        List<TransferJournal> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                try {
                    out.add(load(dir, f));
                } catch (IOException | RuntimeException e) {
                    log.warn("cannot take up the command journal {} ({}); set aside as .bad", f, e.toString());
                    Files.move(f, f.resolveSibling(f.getFileName() + ".bad"), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot read the commands in flight in " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static TransferJournal load(Path dir, Path f) throws IOException {
        if (Files.size(f) > MAX_JOURNAL) throw new IOException("over " + MAX_JOURNAL + " bytes");
        JsonNode o = JSON.readTree(f.toFile());
        if (o.path("version").asInt() != 1) throw new IOException("unknown version " + o.path("version"));
        FleetCommand c = FleetCommand.parse(o.path("command"));
        if (!f.getFileName().toString().equals(c.id() + ".json")) throw new IOException("the journal of another command");
        TransferJournal j = new TransferJournal(dir, c, o.path("job"), BitSet.valueOf(Base64.getDecoder().decode(o.path("chunks").asText(""))));
        j.state = o.path("state").asText("sent");
        j.total = o.path("total").asLong(-1);
        j.sha256 = o.path("sha256").isTextual() ? o.get("sha256").asText() : null;
        j.manifest = o.path("manifest").isObject() ? o.get("manifest") : null;
        j.error = o.path("error").isTextual() ? o.get("error").asText() : null;
        if (!j.chunks.isEmpty() && !Files.exists(j.partial)) j.error = "its partial file " + j.partial + " is gone";
        return j;
    }
}
