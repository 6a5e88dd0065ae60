package io.chirp.net.pcap;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.OutputStream;

/** Writes packets to a capture file. Closing flushes and closes the stream. */
public sealed interface CaptureWriter extends AutoCloseable permits PcapWriter, PcapngWriter {
    /** Appends one packet (its number is ignored: files number frames by position). */
    void write(Packet p);

    @Override
    void close();

    /** {@return a writer of {@code format} whose first interface has {@code linkType}} */
    static CaptureWriter create(OutputStream out, CaptureFormat format, int linkType) {
        return switch (format) {
            case PCAP -> new PcapWriter(out, linkType, true);
            case PCAPNG -> new PcapngWriter(out);
        };
    }

    /** Copies every packet of {@code reader} to {@code writer}; {@return how many} */
    static long copy(CaptureReader reader, CaptureWriter writer) {
        long n = 0;
        for (Packet p = reader.next(); p != null; p = reader.next()) {
            writer.write(p);
            n++;
        }
        return n;
    }

    /** Wraps an I/O failure of {@code what}. */
    static ChirpException failure(String what, IOException e) {
        return ChirpException.io("cannot write " + what + ": " + e.getMessage(), e);
    }
}
