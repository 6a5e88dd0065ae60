package io.chirp.net.pcap;

import io.chirp.core.ChirpException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * pcapng files: sections (each with its own byte order), interface descriptions (link type, snap length,
 * timestamp resolution and offset), and packets in enhanced, simple or obsolete packet blocks. Other blocks
 * (name resolution, statistics, custom) are skipped without being buffered.
 *
 * <p>Every block length is checked against the minimum, 4-byte alignment, {@link #MAX_BLOCK} for blocks we
 * buffer, and the trailing copy of the length; every option and packet length against its block.
 */
public final class PcapngReader implements CaptureReader {
    static final int SHB_TYPE = 0x0A0D0D0A;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int IDB = 1, PB = 2, SPB = 3, EPB = 6;
    /** The largest block we hold in memory: a maximal packet plus generous room for options. */
    static final int MAX_BLOCK = MAX_PACKET + (1 << 16);
    /** Interfaces per section: far more than any real capture, few enough to bound memory. */
    private static final int MAX_INTERFACES = 4096;

    /** One interface of the current section. {@code tsExponent}: 10^-e or, when {@code binary}, 2^-e seconds. */
    private record Interface(int linkType, long snapLength, boolean binary, int tsExponent, long offsetSeconds) {}

    private final BoundedInput in;
    private final List<Interface> interfaces = new ArrayList<>();
    private ByteOrder order;
    private long number;
    private String problem;
    private boolean done;

    PcapngReader(BoundedInput in) {
        this.in = in;
        String why = section(0);
        if (why != null) throw ChirpException.corrupt(in.name() + ": " + why);
    }

    @Override public CaptureFormat format() { return CaptureFormat.PCAPNG; }

    @Override
    public Packet next() {
        while (!done) {
            long at = in.offset();
            byte[] head = in.readUpTo(4);
            if (head.length == 0) return end(null);
            if (head.length < 4) return end("block header truncated at offset " + at);
            int type = ByteBuffer.wrap(head).order(order).getInt();
            if (type == SHB_TYPE) {
                String why = section(at);
                if (why != null) return end(why);
                continue;
            }
            byte[] lenBytes = in.readUpTo(4);
            if (lenBytes.length < 4) return end("block header truncated at offset " + at);
            long length = Integer.toUnsignedLong(ByteBuffer.wrap(lenBytes).order(order).getInt());
            if (length < 12 || length % 4 != 0) return end("block at offset " + at + " has a bad length " + length);
            if (type != IDB && type != EPB && type != SPB && type != PB) {
                long skipped = in.skip(length - 12);
                if (skipped < length - 12) return end("block at offset " + at + " truncated");
                String why = trailer(at, length);
                if (why != null) return end(why);
                continue;
            }
            if (length > MAX_BLOCK) return end("block at offset " + at + " claims " + length + " bytes (limit " + MAX_BLOCK + ")");
            byte[] body = in.readUpTo((int) length - 12);
            if (body.length < length - 12) return end("block at offset " + at + " truncated");
            String why = trailer(at, length);
            if (why != null) return end(why);
            ByteBuffer b = ByteBuffer.wrap(body).order(order);
            Object result = switch (type) {
                case IDB -> addInterface(b, at);
                case EPB -> enhanced(b, at);
                case SPB -> simple(b, at);
                default -> obsolete(b, at);
            };
            if (result instanceof Packet p) return p;
            if (result instanceof String s) return end(s);
        }
        return null;
    }

    /** Reads a section header after its type; {@return an error message, or null} */
    private String section(long at) {
        byte[] head = in.readUpTo(8);
        if (head.length < 8) return "section header truncated at offset " + at;
        ByteBuffer h = ByteBuffer.wrap(head);
        int magic = h.order(ByteOrder.BIG_ENDIAN).getInt(4);
        if (magic == BYTE_ORDER_MAGIC) order = ByteOrder.BIG_ENDIAN;
        else if (Integer.reverseBytes(magic) == BYTE_ORDER_MAGIC) order = ByteOrder.LITTLE_ENDIAN;
        else return "section header at offset " + at + " has no byte-order magic";
        long length = Integer.toUnsignedLong(h.order(order).getInt(0));
        if (length < 28 || length % 4 != 0 || length > MAX_BLOCK) return "section header at offset " + at + " has a bad length " + length;
        byte[] rest = in.readUpTo((int) length - 16);
        if (rest.length < length - 16) return "section header at offset " + at + " truncated";
        int major = Short.toUnsignedInt(ByteBuffer.wrap(rest).order(order).getShort(0));
        if (major != 1) return "unsupported pcapng version " + major + " at offset " + at;
        interfaces.clear();
        return trailer(at, length);
    }

    private String trailer(long at, long length) {
        byte[] t = in.readUpTo(4);
        if (t.length < 4) return "block at offset " + at + " truncated";
        long copy = Integer.toUnsignedLong(ByteBuffer.wrap(t).order(order).getInt());
        return copy == length ? null : "block at offset " + at + ": trailing length " + copy + " differs from " + length;
    }

    private Object addInterface(ByteBuffer b, long at) {
        if (b.remaining() < 8) return "interface block at offset " + at + " too short";
        if (interfaces.size() >= MAX_INTERFACES) return "more than " + MAX_INTERFACES + " interfaces in a section";
        int linkType = Short.toUnsignedInt(b.getShort(0));
        long snap = Integer.toUnsignedLong(b.getInt(4));
        boolean binary = false;
        int exponent = 6;
        long offset = 0;
        int p = 8;
        while (p + 4 <= b.limit()) {
            int code = Short.toUnsignedInt(b.getShort(p));
            int len = Short.toUnsignedInt(b.getShort(p + 2));
            if (code == 0) break;
            if (p + 4 + len > b.limit()) return "interface option at offset " + (at + 8 + p) + " overruns its block";
            if (code == 9 && len == 1) {
                int v = b.get(p + 4) & 0xff;
                binary = (v & 0x80) != 0;
                exponent = v & 0x7f;
                if (binary ? exponent > 63 : exponent > 19) return "interface at offset " + at + " has timestamp resolution " + v;
            } else if (code == 14 && len == 8) {
                offset = b.getLong(p + 4);
            }
            p += 4 + ((len + 3) & ~3);
        }
        interfaces.add(new Interface(linkType, snap, binary, exponent, offset));
        return null;
    }

    private Object enhanced(ByteBuffer b, long at) {
        if (b.remaining() < 20) return "packet block at offset " + at + " too short";
        long id = Integer.toUnsignedLong(b.getInt(0));
        if (id >= interfaces.size()) return "packet block at offset " + at + " names undeclared interface " + id;
        long units = (Integer.toUnsignedLong(b.getInt(4)) << 32) | Integer.toUnsignedLong(b.getInt(8));
        long captured = Integer.toUnsignedLong(b.getInt(12));
        long original = Integer.toUnsignedLong(b.getInt(16));
        Interface i = interfaces.get((int) id);
        return packet(i, nanos(i, units), captured, original, b, 20, at);
    }

    private Object obsolete(ByteBuffer b, long at) {
        if (b.remaining() < 20) return "packet block at offset " + at + " too short";
        int id = Short.toUnsignedInt(b.getShort(0));
        if (id >= interfaces.size()) return "packet block at offset " + at + " names undeclared interface " + id;
        long units = (Integer.toUnsignedLong(b.getInt(4)) << 32) | Integer.toUnsignedLong(b.getInt(8));
        long captured = Integer.toUnsignedLong(b.getInt(12));
        long original = Integer.toUnsignedLong(b.getInt(16));
        Interface i = interfaces.get(id);
        return packet(i, nanos(i, units), captured, original, b, 20, at);
    }

    private Object simple(ByteBuffer b, long at) {
        if (interfaces.isEmpty()) return "simple packet block at offset " + at + " before any interface";
        if (b.remaining() < 4) return "simple packet block at offset " + at + " too short";
        Interface i = interfaces.getFirst();
        long original = Integer.toUnsignedLong(b.getInt(0));
        // The spec: captured length = min(original, snap length, what the block holds).
        long captured = Math.min(original, b.limit() - 4L);
        if (i.snapLength() > 0) captured = Math.min(captured, i.snapLength());
        // A simple packet block has no timestamp.
        return packet(i, 0, captured, original, b, 4, at);
    }

    private Object packet(Interface i, long timestampNanos, long captured, long original, ByteBuffer b, int from, long at) {
        if (captured > MAX_PACKET) return "packet at offset " + at + " claims " + captured + " bytes (limit " + MAX_PACKET + ")";
        if (from + captured > b.limit()) return "packet at offset " + at + " claims " + captured + " bytes, more than its block holds";
        byte[] data = Arrays.copyOfRange(b.array(), from, from + (int) captured);
        return new Packet(++number, timestampNanos, i.linkType(), (int) Math.min(original, Integer.MAX_VALUE), data);
    }

    /** Converts timestamp units (unsigned) to epoch nanoseconds, saturating instead of overflowing. */
    static long nanos(Interface i, long units) {
        long base;
        if (i.binary()) {
            int e = i.tsExponent();
            long hi = Math.unsignedMultiplyHigh(units, 1_000_000_000L), lo = units * 1_000_000_000L;
            if (e == 0) base = hi != 0 ? Long.MAX_VALUE : lo;
            else if ((hi >>> e) != 0) base = Long.MAX_VALUE;
            else base = (hi << (64 - e)) | (lo >>> e);
            if (base < 0) base = Long.MAX_VALUE;
        } else if (i.tsExponent() <= 9) {
            long mul = pow10(9 - i.tsExponent());
            base = Long.compareUnsigned(units, Long.divideUnsigned(Long.MAX_VALUE, mul)) > 0 ? Long.MAX_VALUE : units * mul;
        } else {
            base = Long.divideUnsigned(units, pow10(i.tsExponent() - 9));
            if (base < 0) base = Long.MAX_VALUE;
        }
        long off = i.offsetSeconds();
        if (off == 0) return base;
        try {
            return Math.addExact(base, Math.multiplyExact(off, 1_000_000_000L));
        } catch (ArithmeticException e) {
            return off > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
    }

    private static long pow10(int n) {
        long r = 1;
        for (int k = 0; k < n; k++) r *= 10;
        return r;
    }

    private Packet end(String why) {
        done = true;
        problem = why;
        return null;
    }

    @Override public Optional<String> problem() { return Optional.ofNullable(problem); }

    @Override public void close() { in.close(); }
}
