package io.chirp.net.qemu;

import io.chirp.core.ChirpException;
import io.chirp.net.pcap.CaptureReader;
import io.chirp.net.pcap.Packet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * The clock of a QEMU {@code filter-dump} capture, against the host's. QEMU (net/dump.c) stamps a packet with the
 * host's {@code time(NULL)} at the filter's creation, in whole seconds, plus QEMU's <em>virtual</em> clock, which has
 * run since the VM started (less any time it was paused): a capture of a VM that has run for an hour is an hour in
 * the future. QEMU offers no monitor command that reads that clock, so it is measured on the file itself: QEMU
 * writes each record with one {@code writev} the moment it stamps it, so the file's modification time (the host's
 * UTC, to a kernel tick) is when the last record was stamped. The offset is the last record's timestamp less that
 * time; every packet less the offset is in host UTC.
 *
 * <p>Nothing is sent to the guest or its network. The VM paused during the capture stops QEMU's clock and not the
 * host's: packets before such a pause come out earlier by its length (said in the manifest).
 */
public final class QemuDumpClock {
    private QemuDumpClock() {}

    /**
     * The measured offset.
     *
     * @param nanos      QEMU's timestamps less host UTC, in nanoseconds (subtract it to get host UTC)
     * @param lastWrite  the file's modification time: when QEMU wrote its last record
     * @param lastPacket the last record's timestamp as QEMU wrote it
     */
    public record Offset(long nanos, Instant lastWrite, Instant lastPacket) {}

    /** {@return the offset of a finished capture QEMU no longer writes, or empty if it holds no packet} */
    public static Optional<Offset> measure(Path pcap) {
        Instant mtime;
        Packet last = null;
        try {
            mtime = Files.getLastModifiedTime(pcap).toInstant();
            try (CaptureReader r = CaptureReader.open(pcap)) {
                for (Packet p = r.next(); p != null; p = r.next()) last = p;
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot read the capture " + pcap + ": " + e.getMessage(), e);
        }
        if (last == null) return Optional.empty();
        long written = Math.addExact(Math.multiplyExact(mtime.getEpochSecond(), 1_000_000_000L), mtime.getNano());
        return Optional.of(new Offset(last.timestampNanos() - written, mtime, last.timestamp()));
    }
}
