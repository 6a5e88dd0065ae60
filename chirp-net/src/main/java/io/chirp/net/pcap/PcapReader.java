package io.chirp.net.pcap;

import io.chirp.core.ChirpException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Classic libpcap files: a 24-byte header, then 16-byte record headers each followed by the captured bytes.
 * Microsecond (a1b2c3d4) and nanosecond (a1b23c4d) variants, in either byte order.
 *
 * <p>The header's snap length is advisory: real writers exceed it, so a record is accepted up to
 * {@link CaptureReader#MAX_PACKET} whatever the header says, and rejected beyond (a length that large is
 * corruption, and trusting it would make us allocate what the file asks).
 */
public final class PcapReader implements CaptureReader {
    static final int MAGIC_MICROS = 0xa1b2c3d4;
    static final int MAGIC_NANOS = 0xa1b23c4d;

    private final BoundedInput in;
    private final ByteOrder order;
    private final boolean nanos;
    private final int linkType;
    private final int snapLength;
    private final int versionMajor;
    private final int versionMinor;
    private long number;
    private String problem;
    private boolean done;

    PcapReader(BoundedInput in, byte[] magic) {
        this.in = in;
        int le = ByteBuffer.wrap(magic).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int be = ByteBuffer.wrap(magic).order(ByteOrder.BIG_ENDIAN).getInt();
        if (le == MAGIC_MICROS || le == MAGIC_NANOS) {
            order = ByteOrder.LITTLE_ENDIAN;
            nanos = le == MAGIC_NANOS;
        } else if (be == MAGIC_MICROS || be == MAGIC_NANOS) {
            order = ByteOrder.BIG_ENDIAN;
            nanos = be == MAGIC_NANOS;
        } else {
            throw ChirpException.corrupt(in.name() + ": not a pcap or pcapng file (magic "
                    + String.format("%08x", be) + ")");
        }
        byte[] rest = in.readUpTo(20);
        if (rest.length < 20) throw ChirpException.corrupt(in.name() + ": pcap header truncated");
        ByteBuffer h = ByteBuffer.wrap(rest).order(order);
        versionMajor = Short.toUnsignedInt(h.getShort(0));
        versionMinor = Short.toUnsignedInt(h.getShort(2));
        snapLength = h.getInt(12);
        // The upper bits carry FCS information in newer files; the link type is the low 16 bits.
        linkType = h.getInt(16) & 0xffff;
        if (versionMajor != 2) throw ChirpException.corrupt(in.name() + ": unsupported pcap version " + versionMajor + "." + versionMinor);
    }

    @Override public CaptureFormat format() { return CaptureFormat.PCAP; }

    /** {@return the link type of every packet in this file} */
    public int linkType() { return linkType; }

    /** {@return the snap length the header claims (not trusted)} */
    public int snapLength() { return snapLength; }

    /** {@return true for a nanosecond-resolution file} */
    public boolean nanosecond() { return nanos; }

    @Override
    public Packet next() {
        if (done) return null;
        long at = in.offset();
        byte[] hdr = in.readUpTo(16);
        if (hdr.length == 0) return end(null);
        if (hdr.length < 16) return end("record header truncated at offset " + at + " (" + hdr.length + " of 16 bytes)");
        ByteBuffer h = ByteBuffer.wrap(hdr).order(order);
        long seconds = Integer.toUnsignedLong(h.getInt(0));
        long fraction = Integer.toUnsignedLong(h.getInt(4));
        long included = Integer.toUnsignedLong(h.getInt(8));
        long original = Integer.toUnsignedLong(h.getInt(12));
        if (included > MAX_PACKET) {
            return end("record " + (number + 1) + " at offset " + at + " claims " + included
                    + " captured bytes (limit " + MAX_PACKET + "): corrupt from here on");
        }
        if (fraction >= (nanos ? 1_000_000_000L : 1_000_000L)) {
            return end("record " + (number + 1) + " at offset " + at + " has an impossible timestamp fraction " + fraction);
        }
        byte[] data = in.readUpTo((int) included);
        if (data.length < included) {
            return end("record " + (number + 1) + " at offset " + at + " truncated (" + data.length + " of " + included + " bytes)");
        }
        long ts = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000);
        return new Packet(++number, ts, linkType, (int) Math.min(original, Integer.MAX_VALUE), data);
    }

    private Packet end(String why) {
        done = true;
        problem = why;
        return null;
    }

    @Override public Optional<String> problem() { return Optional.ofNullable(problem); }

    @Override public void close() { in.close(); }
}
