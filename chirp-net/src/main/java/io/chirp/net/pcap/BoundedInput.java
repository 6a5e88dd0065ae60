package io.chirp.net.pcap;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.InputStream;

/**
 * The byte source of the capture readers: reads exactly what a record asks for (short only at end of file),
 * tracks the file offset for messages, and turns I/O failures into CHIRP errors. Callers bound every length
 * before asking, so no read here allocates more than a validated record.
 */
final class BoundedInput implements AutoCloseable {
    private final InputStream in;
    private final String name;
    private long offset;

    BoundedInput(InputStream in, String name) {
        this.in = in;
        this.name = name;
    }

    String name() { return name; }

    long offset() { return offset; }

    /** {@return up to n bytes; fewer only at end of file} */
    byte[] readUpTo(int n) {
        try {
            byte[] b = in.readNBytes(n);
            offset += b.length;
            return b;
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + name + " at offset " + offset + ": " + e.getMessage(), e);
        }
    }

    /** Skips n bytes without buffering them; {@return how many were skipped (fewer only at end of file)} */
    long skip(long n) {
        try {
            long done = 0;
            while (done < n) {
                long s = in.skip(n - done);
                if (s <= 0) {
                    if (in.read() < 0) break;
                    s = 1;
                }
                done += s;
            }
            offset += done;
            return done;
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + name + " at offset " + offset + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
