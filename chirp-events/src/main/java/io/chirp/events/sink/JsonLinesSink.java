package io.chirp.events.sink;

import io.chirp.core.ChirpException;
import io.chirp.events.OcsfEvent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Appends events to a file, one JSON object per line. Lines are buffered and written per batch; {@link #close()}
 * forces them to disk, so a file that was closed holds every accepted event. Existing content is never touched.
 */
public final class JsonLinesSink implements EventSink {
    /** Events per write when the caller does not say. */
    public static final int DEFAULT_BATCH = 256;

    private final Path file;
    private final FileChannel channel;
    private final int batchSize;
    private final StringBuilder buffer = new StringBuilder();
    private int buffered;

    public JsonLinesSink(Path file) { this(file, DEFAULT_BATCH); }

    public JsonLinesSink(Path file, int batchSize) {
        if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive");
        this.file = file;
        this.batchSize = batchSize;
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw ChirpException.io("cannot open " + file + " for events: " + e.getMessage(), e);
        }
    }

    @Override public synchronized void accept(OcsfEvent event) {
        buffer.append(Objects.requireNonNull(event).toJsonLine()).append('\n');
        if (++buffered >= batchSize) flush();
    }

    @Override public synchronized void flush() {
        if (buffered == 0) return;
        ByteBuffer bytes = ByteBuffer.wrap(buffer.toString().getBytes(StandardCharsets.UTF_8));
        try {
            while (bytes.hasRemaining()) channel.write(bytes);
        } catch (IOException e) {
            throw ChirpException.io("cannot append events to " + file + ": " + e.getMessage(), e);
        }
        buffer.setLength(0);
        buffered = 0;
    }

    @Override public synchronized void close() {
        try (FileChannel c = channel) {
            flush();
            c.force(true);
        } catch (IOException e) {
            throw ChirpException.io("cannot sync events to " + file + ": " + e.getMessage(), e);
        }
    }
}
