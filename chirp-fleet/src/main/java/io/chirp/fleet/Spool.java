package io.chirp.fleet;

import io.chirp.core.OwnerOnly;
import io.chirp.core.ChirpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The sensor's bounded outbox on disk. Every record is appended here before it is sent, and leaves only when the
 * broker has acknowledged it ({@link #ack}): a sensor killed with records in flight sends them again after its
 * restart (the server takes each id once), and a broker that is away for a while costs disk, not memory.
 *
 * <p>Layout: segment files {@code seg-NNNNNNNNNNNN.log} of one encoded record per line, and a {@code cursor} file
 * naming the first unacknowledged record (segment and byte offset), replaced atomically. A line is written with
 * one {@code write} call, so a kill leaves at most one torn last line, which {@link #open} cuts off. {@code epoch}
 * counts the sensor's starts.
 *
 * <p>Bounded: records beyond {@code maxBytes} pending are not kept. Nothing is dropped silently: {@link #dropped()}
 * says, per VM and kind, how many and which sequence numbers were lost, and the sensor reports it in every
 * heartbeat.
 */
public final class Spool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    /** Records per segment file: acknowledged segments are deleted whole. */
    static final int SEGMENT_RECORDS = 2_000;

    /** A record read back, where the record after it starts, and its size in the spool. */
    public record Entry(FleetRecord record, Position next, int bytes) {}

    /** A place in the spool: a segment and a byte offset in it. */
    public record Position(long segment, long offset) implements Comparable<Position> {
        @Override public int compareTo(Position o) {
            return segment != o.segment ? Long.compare(segment, o.segment) : Long.compare(offset, o.offset);
        }
    }

    /** What a full spool could not keep, for one VM and kind: how many, and the first and last sequence number. */
    public record Dropped(String vm, FleetRecord.Kind kind, long count, long firstSeq, long lastSeq) {}

    private final Path dir;
    private final long maxBytes;
    private final long epoch;
    private final Map<String, Dropped> dropped = new TreeMap<>();
    private Position cursor;
    private long segment;
    private long segmentRecords;
    private FileChannel out;
    private long pendingBytes;
    private long pendingRecords;

    private Spool(Path dir, long maxBytes) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.epoch = nextEpoch();
        this.cursor = readCursor();
        List<Long> segs = segments();
        for (Long s : segs) {
            if (s < cursor.segment()) Files.deleteIfExists(segPath(s)); // acknowledged, its deletion interrupted
        }
        segs = segments();
        if (!segs.isEmpty() && segs.getFirst() > cursor.segment()) cursor = new Position(segs.getFirst(), 0);
        for (Long s : segs) {
            long size = cutTornLine(segPath(s));
            long from = s == cursor.segment() ? Math.min(cursor.offset(), size) : 0;
            pendingBytes += size - from;
            pendingRecords += countLines(segPath(s), from);
        }
        segment = segs.isEmpty() ? Math.max(1, cursor.segment()) : segs.getLast() + 1; // never append to an old file
        if (segs.isEmpty()) cursor = new Position(segment, 0);
        openSegment();
    }

    /** {@return the spool in {@code dir} (created owner-only), holding at most {@code maxBytes} unsent} */
    public static Spool open(Path dir, long maxBytes) {
        if (maxBytes < 1024) throw ChirpException.usage("the spool needs at least 1024 bytes, not " + maxBytes);
        try {
            OwnerOnly.dir(dir);
            return new Spool(dir, maxBytes);
        } catch (IOException e) {
            throw ChirpException.io("cannot open the spool in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@return this start's epoch: one more than the last start's} */
    public long epoch() { return epoch; }

    /**
     * Appends a record, or, when the spool is full, counts it as dropped.
     *
     * @return true if kept
     */
    public synchronized boolean append(FleetRecord r) {
        byte[] line = (r.encode() + "\n").getBytes(StandardCharsets.UTF_8);
        if (pendingBytes + line.length > maxBytes) {
            String k = r.vm() + "\0" + r.kind();
            Dropped d = dropped.get(k);
            dropped.put(k, d == null ? new Dropped(r.vm(), r.kind(), 1, r.seq(), r.seq())
                    : new Dropped(r.vm(), r.kind(), d.count() + 1, d.firstSeq(), r.seq()));
            if (d == null) log.warn("spool full ({} bytes pending of {}): dropping {} records of {} from seq {} on", pendingBytes,
                    maxBytes, r.kind(), r.vm(), r.seq());
            return false;
        }
        try {
            if (segmentRecords >= SEGMENT_RECORDS) {
                out.close();
                segment++;
                openSegment();
            }
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) out.write(b);
            segmentRecords++;
            pendingBytes += line.length;
            pendingRecords++;
            notifyAll();
            return true;
        } catch (IOException e) {
            throw ChirpException.io("cannot write to the spool in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@return up to {@code max} records from the first unacknowledged one on, waiting up to {@code waitMillis}
     * for one if there is none}
     */
    public List<Entry> peek(int max, long waitMillis) throws InterruptedException {
        Position from;
        synchronized (this) {
            if (pendingRecords == 0 && waitMillis > 0) wait(waitMillis);
            if (pendingRecords == 0) return List.of();
            from = cursor;
            try {
                out.force(false); // what is about to be sent survives a host crash too, not only a kill
            } catch (IOException e) {
                log.warn("cannot sync the spool: {}", e.toString());
            }
        }
        List<Entry> got = new ArrayList<>();
        long seg = from.segment();
        long off = from.offset();
        while (got.size() < max) {
            Path p = segPath(seg);
            long end;
            synchronized (this) {
                if (seg > segment) break;
                try {
                    end = seg == segment ? out.size() : -1;
                } catch (IOException e) {
                    throw ChirpException.io("cannot read the spool " + p + ": " + e.getMessage(), e);
                }
            }
            if (!Files.exists(p)) {
                if (seg >= segment) break;
                seg++;
                off = 0;
                continue;
            }
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                long limit = end >= 0 ? end : ch.size();
                ch.position(off);
                InputStream in = Channels.newInputStream(ch);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                long pos = off;
                String line;
                while (got.size() < max && pos < limit && (line = r.readLine()) != null) {
                    int size = line.getBytes(StandardCharsets.UTF_8).length + 1;
                    pos += size;
                    if (pos > limit) break; // a line being written now
                    try {
                        got.add(new Entry(FleetRecord.decode(line), new Position(seg, pos), size));
                    } catch (ChirpException bad) {
                        // our own file, but disks fail: skip the line, say so; the record's gap shows at the server
                        log.warn("spool {}: unreadable record at {} skipped: {}", p.getFileName(), pos, bad.getMessage());
                    }
                }
                if (got.size() >= max) break;
                if (end >= 0) break; // the segment being written: nothing more yet
                seg++;
                off = 0;
            } catch (IOException e) {
                throw ChirpException.io("cannot read the spool " + p + ": " + e.getMessage(), e);
            }
        }
        return got;
    }

    /** Marks the records of {@code sent} (a prefix of what {@link #peek} gave) acknowledged: they leave the spool. */
    public synchronized void ack(List<Entry> sent) {
        if (sent.isEmpty()) return;
        long bytes = 0;
        for (Entry e : sent) bytes += e.bytes();
        ack(sent.getLast().next(), sent.size(), bytes);
    }

    private void ack(Position next, int records, long bytes) {
        if (next.compareTo(cursor) <= 0) return;
        try {
            Path tmp = dir.resolve("cursor.tmp");
            Files.writeString(tmp, next.segment() + " " + next.offset() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE,
                    StandardOpenOption.SYNC);
            try {
                Files.move(tmp, dir.resolve("cursor"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve("cursor"), StandardCopyOption.REPLACE_EXISTING);
            }
            for (long s = cursor.segment(); s < next.segment(); s++) Files.deleteIfExists(segPath(s));
            cursor = next;
            pendingRecords = Math.max(0, pendingRecords - records);
            pendingBytes = Math.max(0, pendingBytes - bytes);
        } catch (IOException e) {
            throw ChirpException.io("cannot record progress in the spool " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@return records written and not yet acknowledged} */
    public synchronized long pendingRecords() { return pendingRecords; }

    /** {@return bytes written and not yet acknowledged} */
    public synchronized long pendingBytes() { return pendingBytes; }

    /** {@return the most bytes the spool keeps unsent} */
    public long maxBytes() { return maxBytes; }

    /** {@return what a full spool could not keep, per VM and kind; empty if nothing was dropped} */
    public synchronized List<Dropped> dropped() { return List.copyOf(dropped.values()); }

    @Override public synchronized void close() {
        try {
            out.force(false);
            out.close();
        } catch (IOException e) {
            log.warn("closing the spool: {}", e.toString());
        }
    }

    private void openSegment() throws IOException {
        Path p = segPath(segment);
        out = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        OwnerOnly.set(p);
        segmentRecords = countLines(p, 0);
    }

    private Path segPath(long s) { return dir.resolve(String.format("seg-%012d.log", s)); }

    private List<Long> segments() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("seg-\\d{12}\\.log"))
                    .map(n -> Long.parseLong(n.substring(4, 16))).sorted().toList();
        }
    }

    private long nextEpoch() throws IOException {
        Path f = dir.resolve("epoch");
        long last = 0;
        if (Files.exists(f)) {
            try {
                last = Long.parseLong(Files.readString(f).strip());
            } catch (NumberFormatException e) {
                throw ChirpException.corrupt("spool epoch file " + f + " is damaged");
            }
        }
        Files.writeString(f, (last + 1) + "\n", StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        return last + 1;
    }

    private Position readCursor() throws IOException {
        Path f = dir.resolve("cursor");
        if (!Files.exists(f)) return new Position(1, 0);
        String[] p = Files.readString(f).strip().split(" ");
        try {
            return new Position(Long.parseLong(p[0]), Long.parseLong(p[1]));
        } catch (RuntimeException e) {
            throw ChirpException.corrupt("spool cursor " + f + " is damaged: " + e.getMessage());
        }
    }

    /** Cuts a torn last line (a kill during its write); {@return the file's size after} */
    private static long cutTornLine(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long keep = size;
            ByteBuffer one = ByteBuffer.allocate(1);
            while (keep > 0) {
                one.clear();
                ch.read(one, keep - 1);
                if (one.get(0) == '\n') break;
                keep--;
            }
            if (keep < size) {
                log.warn("spool {}: cut a torn last record ({} bytes)", p.getFileName(), size - keep);
                ch.truncate(keep);
            }
            return keep;
        }
    }

    private static long countLines(Path p, long from) throws IOException {
        long n = 0;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.position(from);
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            while (ch.read(b) > 0) {
                b.flip();
                while (b.hasRemaining()) if (b.get() == '\n') n++;
                b.clear();
            }
        }
        return n;
    }
}
