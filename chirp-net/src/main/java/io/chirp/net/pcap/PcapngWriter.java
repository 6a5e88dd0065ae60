package io.chirp.net.pcap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes pcapng, little-endian: one section, one interface per link type (declared on first use, with
 * nanosecond timestamps), enhanced packet blocks.
 */
public final class PcapngWriter implements CaptureWriter {
    private final OutputStream out;
    private final Map<Integer, Integer> interfaceOf = new HashMap<>();

    public PcapngWriter(OutputStream out) {
        this.out = new BufferedOutputStream(out, 1 << 16);
        byte[] app = "CHIRP".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer opts = ByteBuffer.allocate(4 + pad(app.length) + 4).order(ByteOrder.LITTLE_ENDIAN);
        opts.putShort((short) 4).putShort((short) app.length).put(app).position(4 + pad(app.length)).putInt(0); // shb_userappl
        ByteBuffer body = ByteBuffer.allocate(16 + opts.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        body.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1).put(opts.array());
        block(PcapngReader.SHB_TYPE, body.array());
    }

    @Override
    public void write(Packet p) {
        int id = interfaceOf.computeIfAbsent(p.linkType(), this::declare);
        long ts = p.timestampNanos();
        byte[] data = p.data();
        ByteBuffer body = ByteBuffer.allocate(20 + pad(data.length)).order(ByteOrder.LITTLE_ENDIAN);
        body.putInt(id).putInt((int) (ts >>> 32)).putInt((int) ts).putInt(data.length).putInt(p.originalLength()).put(data);
        block(6, body.array());
    }

    private int declare(int linkType) {
        ByteBuffer body = ByteBuffer.allocate(8 + 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        body.putShort((short) linkType).putShort((short) 0).putInt(CaptureReader.MAX_PACKET);
        body.putShort((short) 9).putShort((short) 1).put((byte) 9).put(new byte[3]); // if_tsresol = 10^-9
        body.putInt(0);
        block(1, body.array());
        return interfaceOf.size();
    }

    private void block(int type, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(12 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(12 + body.length).put(body).putInt(12 + body.length);
        try {
            out.write(b.array());
        } catch (IOException e) {
            throw CaptureWriter.failure("pcapng", e);
        }
    }

    private static int pad(int n) { return (n + 3) & ~3; }

    @Override
    public void close() {
        try (out) {
            out.flush();
        } catch (IOException e) {
            throw CaptureWriter.failure("pcapng", e);
        }
    }
}
