package io.chirp.net.pcap;

import io.chirp.core.ChirpException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes classic pcap, little-endian, with nanosecond or microsecond timestamps. One link type per file, as the
 * format allows; a packet of another link type is refused rather than written mislabelled.
 */
public final class PcapWriter implements CaptureWriter {
    private final OutputStream out;
    private final int linkType;
    private final boolean nanos;

    public PcapWriter(OutputStream out, int linkType, boolean nanosecond) {
        this.out = new BufferedOutputStream(out, 1 << 16);
        this.linkType = linkType;
        this.nanos = nanosecond;
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(nanosecond ? PcapReader.MAGIC_NANOS : PcapReader.MAGIC_MICROS).putShort((short) 2).putShort((short) 4)
                .putInt(0).putInt(0).putInt(CaptureReader.MAX_PACKET).putInt(linkType);
        put(h.array());
    }

    @Override
    public void write(Packet p) {
        if (p.linkType() != linkType) {
            throw ChirpException.usage("a pcap file holds one link type (" + linkType + "); packet " + p.number()
                    + " has " + p.linkType() + ": write pcapng instead");
        }
        long seconds = Math.floorDiv(p.timestampNanos(), 1_000_000_000L);
        long fraction = Math.floorMod(p.timestampNanos(), 1_000_000_000L);
        ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt((int) seconds).putInt((int) (nanos ? fraction : fraction / 1000))
                .putInt(p.data().length).putInt(p.originalLength());
        put(h.array());
        put(p.data());
    }

    private void put(byte[] b) {
        try {
            out.write(b);
        } catch (IOException e) {
            throw CaptureWriter.failure("pcap", e);
        }
    }

    @Override
    public void close() {
        try (out) {
            out.flush();
        } catch (IOException e) {
            throw CaptureWriter.failure("pcap", e);
        }
    }
}
