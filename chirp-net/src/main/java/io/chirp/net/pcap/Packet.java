package io.chirp.net.pcap;

import java.time.Instant;
import java.util.Objects;

/**
 * One captured frame as a capture file stores it. The bytes are whatever crossed the wire (or whatever a hostile
 * file claims crossed it): decoders must bound every read.
 *
 * @param number         1-based position in the capture, as Wireshark numbers frames
 * @param timestampNanos capture time in nanoseconds since the epoch (0 when the format has none, e.g. pcapng SPB)
 * @param linkType       the LINKTYPE_ value of the interface (1 = Ethernet)
 * @param originalLength the frame's length on the wire; never less than {@code data.length}
 * @param data           the captured bytes (at most the snap length)
 */
public record Packet(long number, long timestampNanos, int linkType, int originalLength, byte[] data) {
    public Packet {
        Objects.requireNonNull(data);
        if (originalLength < data.length) originalLength = data.length;
    }

    /** {@return the capture time} */
    public Instant timestamp() {
        return Instant.ofEpochSecond(Math.floorDiv(timestampNanos, 1_000_000_000L), Math.floorMod(timestampNanos, 1_000_000_000L));
    }

    /** {@return true if the capture kept fewer bytes than the frame had} */
    public boolean sliced() { return data.length < originalLength; }
}
