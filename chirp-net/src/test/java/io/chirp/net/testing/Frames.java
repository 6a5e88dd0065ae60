package io.chirp.net.testing;

import io.chirp.net.pcap.LinkType;
import io.chirp.net.pcap.Packet;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds well-formed Ethernet frames (IPv4/IPv6, TCP/UDP/ICMP, optional VLAN tags) with correct checksums, for
 * captures whose truth the test knows. A test-side encoder, independent of the decoder under test.
 */
public final class Frames {

    private final List<Packet> packets = new ArrayList<>();
    private long time = 1_764_000_000_000_000_000L;

    public List<Packet> packets() { return List.copyOf(packets); }

    public static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s); // literals only: no lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** Appends a raw frame 1.5 ms after the previous one. */
    public Frames frame(byte[] frame) {
        time += 1_500_000;
        packets.add(new Packet(packets.size() + 1, time, LinkType.ETHERNET, frame.length, frame));
        return this;
    }

    public Frames tcp(InetAddress src, int sp, InetAddress dst, int dp, long seq, long ack, int flags, byte[] payload, int... vlans) {
        ByteBuffer t = ByteBuffer.allocate(20 + payload.length);
        t.putShort((short) sp).putShort((short) dp).putInt((int) seq).putInt((int) ack)
                .put((byte) 0x50).put((byte) flags).putShort((short) 64240).putShort((short) 0).putShort((short) 0).put(payload);
        return frame(ethernet(src, dst, 6, t.array(), vlans));
    }

    public Frames udp(InetAddress src, int sp, InetAddress dst, int dp, byte[] payload, int... vlans) {
        ByteBuffer u = ByteBuffer.allocate(8 + payload.length);
        u.putShort((short) sp).putShort((short) dp).putShort((short) (8 + payload.length)).putShort((short) 0).put(payload);
        return frame(ethernet(src, dst, 17, u.array(), vlans));
    }

    public Frames icmpEcho(InetAddress src, InetAddress dst, boolean reply, int id, int seq) {
        ByteBuffer i = ByteBuffer.allocate(8 + 16);
        i.put((byte) (reply ? 0 : 8)).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(new byte[16]);
        byte[] b = i.array();
        int c = checksum(b, 0, b.length, 0);
        b[2] = (byte) (c >> 8);
        b[3] = (byte) c;
        return frame(ethernet(src, dst, 1, b));
    }

    /** An Ethernet frame carrying an IP packet whose transport checksum is filled in. */
    public static byte[] ethernet(InetAddress src, InetAddress dst, int protocol, byte[] l4, int... vlans) {
        boolean v6 = src.getAddress().length == 16;
        byte[] s = src.getAddress(), d = dst.getAddress();
        if (protocol == 6 || protocol == 17) {
            int sum = pseudo(s, d, protocol, l4.length);
            int off = protocol == 6 ? 16 : 6;
            int c = checksum(l4, 0, l4.length, sum);
            if (protocol == 17 && c == 0) c = 0xffff;
            l4[off] = (byte) (c >> 8);
            l4[off + 1] = (byte) c;
        }
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.writeBytes(mac(dst));
        f.writeBytes(mac(src));
        for (int v : vlans) {
            f.write(0x81);
            f.write(0x00);
            f.write(v >> 8);
            f.write(v);
        }
        if (v6) {
            f.write(0x86);
            f.write(0xdd);
            ByteBuffer h = ByteBuffer.allocate(40);
            h.putInt(0x60000000).putShort((short) l4.length).put((byte) protocol).put((byte) 64).put(s).put(d);
            f.writeBytes(h.array());
        } else {
            f.write(0x08);
            f.write(0x00);
            ByteBuffer h = ByteBuffer.allocate(20);
            h.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length)).putShort((short) 0x1234).putShort((short) 0x4000)
                    .put((byte) 64).put((byte) protocol).putShort((short) 0).put(s).put(d);
            byte[] hb = h.array();
            int c = checksum(hb, 0, 20, 0);
            hb[10] = (byte) (c >> 8);
            hb[11] = (byte) c;
            f.writeBytes(hb);
        }
        f.writeBytes(l4);
        while (f.size() < 60) f.write(0); // Ethernet minimum: padding the IP length must cut off
        return f.toByteArray();
    }

    /** {@return the test MAC of a host: 02:00 and the last four bytes of its address} */
    public static byte[] mac(InetAddress a) {
        byte[] b = a.getAddress();
        return new byte[] {2, 0, b[b.length - 4], b[b.length - 3], b[b.length - 2], b[b.length - 1]};
    }

    /** {@return the test MAC as text} */
    public static String macText(InetAddress a) {
        StringBuilder sb = new StringBuilder();
        for (byte x : mac(a)) sb.append(sb.isEmpty() ? "" : ":").append(String.format("%02x", x & 0xff));
        return sb.toString();
    }

    private static int pseudo(byte[] s, byte[] d, int protocol, int length) {
        byte[] p = new byte[s.length * 2 + 8];
        System.arraycopy(s, 0, p, 0, s.length);
        System.arraycopy(d, 0, p, s.length, d.length);
        ByteBuffer.wrap(p, s.length * 2, 8).putInt(length).putInt(protocol);
        return sum(p, 0, p.length, 0);
    }

    private static int sum(byte[] b, int off, int len, int acc) {
        for (int i = 0; i + 1 < len; i += 2) acc += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        if ((len & 1) != 0) acc += (b[off + len - 1] & 0xff) << 8;
        return acc;
    }

    private static int checksum(byte[] b, int off, int len, int initial) {
        int acc = sum(b, off, len, initial);
        while ((acc >>> 16) != 0) acc = (acc & 0xffff) + (acc >>> 16);
        return ~acc & 0xffff;
    }
}
