package io.chirp.net.pcap;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Copies a classic pcap with every record's timestamp moved back by a fixed amount, every other byte as it is: the
 * file header, each record's lengths and data, and a torn last record (copied unchanged, as a plain copy would).
 * Record lengths are the source's own (a hypervisor's file); one beyond {@link #MAX_RECORD} ends the rewriting and
 * the rest is copied unchanged, which the reader reports as a problem of the source.
 */
final class PcapTimeShift {
    /** The largest record data rewritten through: far above any snap length a capture uses. */
    static final int MAX_RECORD = 1 << 24;

    private PcapTimeShift() {}

    static void copy(InputStream in, OutputStream out, long shiftNanos) throws IOException {
        byte[] header = in.readNBytes(24);
        out.write(header);
        if (header.length < 24) return;
        ByteOrder order;
        boolean nanos;
        int le = ByteBuffer.wrap(header, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int be = ByteBuffer.wrap(header, 0, 4).order(ByteOrder.BIG_ENDIAN).getInt();
        if (le == PcapReader.MAGIC_MICROS || le == PcapReader.MAGIC_NANOS) {
            order = ByteOrder.LITTLE_ENDIAN;
            nanos = le == PcapReader.MAGIC_NANOS;
        } else if (be == PcapReader.MAGIC_MICROS || be == PcapReader.MAGIC_NANOS) {
            order = ByteOrder.BIG_ENDIAN;
            nanos = be == PcapReader.MAGIC_NANOS;
        } else {
            throw ChirpException.corrupt("not a pcap file: magic " + Integer.toHexString(be));
        }
        long unit = nanos ? 1 : 1000;
        while (true) {
            byte[] rec = in.readNBytes(16);
            if (rec.length < 16) {
                out.write(rec);
                return;
            }
            ByteBuffer b = ByteBuffer.wrap(rec).order(order);
            long sec = Integer.toUnsignedLong(b.getInt(0)), frac = Integer.toUnsignedLong(b.getInt(4));
            long t = sec * 1_000_000_000L + frac * unit - shiftNanos;
            long newSec = Math.floorDiv(t, 1_000_000_000L);
            if (newSec >= 0 && newSec <= 0xffff_ffffL) {
                b.putInt(0, (int) newSec);
                b.putInt(4, (int) (Math.floorMod(t, 1_000_000_000L) / unit));
            }
            out.write(rec);
            long len = Integer.toUnsignedLong(b.getInt(8));
            if (len > MAX_RECORD) {
                in.transferTo(out);
                return;
            }
            byte[] data = in.readNBytes((int) len);
            out.write(data);
            if (data.length < len) return;
        }
    }
}
