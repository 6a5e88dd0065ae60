package io.chirp.net.pcap;

import io.chirp.core.ChirpException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Streams the packets of a capture file, one at a time, in bounded memory.
 *
 * <p>Capture files are evidence and may be hostile. A file that is not a capture at all fails {@link #open} with a
 * CORRUPT error; a file that goes bad later (truncated record, impossible length) ends the stream early and
 * {@link #problem()} says where and why: every packet returned before that point is sound, so the caller can
 * report a partial result marked as such instead of nothing.
 */
public sealed interface CaptureReader extends AutoCloseable permits PcapReader, PcapngReader {
    /** The largest packet accepted, as Wireshark's standard limit: a record claiming more is corrupt. */
    int MAX_PACKET = 262_144;

    /** {@return the file format} */
    CaptureFormat format();

    /** {@return the next packet, or null at the end of the capture (or at the first corrupt record)} */
    Packet next();

    /** {@return why the capture ended early, if it did; empty for a clean end of file} */
    Optional<String> problem();

    @Override
    void close();

    /** Opens a capture file, telling pcap from pcapng by its first bytes. */
    static CaptureReader open(Path file) {
        try {
            return open(Files.newInputStream(file), file.toString());
        } catch (NoSuchFileException e) {
            throw ChirpException.notFound("no such capture file: " + file);
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Opens a capture from a stream (closed with the reader); {@code name} is used in messages. */
    static CaptureReader open(InputStream stream, String name) {
        BoundedInput in = new BoundedInput(new BufferedInputStream(stream, 1 << 16), name);
        try {
            byte[] magic = in.readUpTo(4);
            if (magic.length < 4) {
                throw ChirpException.corrupt(name + ": not a capture file (" + magic.length + " bytes)");
            }
            int be = ((magic[0] & 0xff) << 24) | ((magic[1] & 0xff) << 16) | ((magic[2] & 0xff) << 8) | (magic[3] & 0xff);
            if (be == PcapngReader.SHB_TYPE) return new PcapngReader(in);
            return new PcapReader(in, magic);
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }
}
