package io.chirp.net.proto;

import io.chirp.core.IpText;
import io.chirp.net.decode.Slice;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * DNS messages (RFC 1035): header, questions, answers. Names follow compression pointers with a hop limit and
 * the 255-byte name limit, so a pointer loop or an endless name ends as "malformed", never as a hang. Counts in
 * the header are trusted only as far as the bytes go; at most {@link #MAX_RECORDS} of each section are kept.
 */
public final class DnsParser {
    static final int MAX_RECORDS = 64;
    private static final int MAX_POINTERS = 16;
    private static final int MAX_NAME = 255;

    private DnsParser() {}

    /** {@return the message, or empty if the bytes are not a DNS message at all (shorter than a header)} */
    public static Optional<AppData.Dns> parse(Slice s) {
        if (!s.has(0, 12)) return Optional.empty();
        int id = s.u16(0), flags = s.u16(2);
        int qd = s.u16(4), an = s.u16(6);
        List<AppData.DnsQuestion> questions = new ArrayList<>();
        List<AppData.DnsAnswer> answers = new ArrayList<>();
        boolean partial = false;
        int at = 12;
        try {
            for (int i = 0; i < qd; i++) {
                int[] end = new int[1];
                String name = name(s, at, end);
                at = end[0];
                int type = s.u16(at), cls = s.u16(at + 2);
                at += 4;
                if (questions.size() < MAX_RECORDS) questions.add(new AppData.DnsQuestion(name, type, cls));
                else partial = true;   // kept the first MAX_RECORDS: not a complete view of the message
            }
            for (int i = 0; i < an; i++) {
                int[] end = new int[1];
                String name = name(s, at, end);
                at = end[0];
                int type = s.u16(at);
                long ttl = s.u32(at + 4);
                int len = s.u16(at + 8);
                at += 10;
                Slice rdata = s.sub(at, len);
                String data = rdata(s, type, at, rdata);
                at += len;
                if (answers.size() < MAX_RECORDS) answers.add(new AppData.DnsAnswer(name, type, ttl, data));
                else partial = true;
            }
        } catch (Slice.Malformed e) {
            partial = true;
        }
        return Optional.of(new AppData.Dns(id, (flags & 0x8000) != 0, (flags >> 11) & 0xf, flags & 0xf,
                List.copyOf(questions), List.copyOf(answers), partial));
    }

    private static String rdata(Slice msg, int type, int at, Slice rdata) {
        return switch (type) {
            case DnsTypes.A -> rdata.length() == 4 ? IpText.of(IpText.address(rdata.bytes(0, 4))) : hex(rdata);
            case DnsTypes.AAAA -> rdata.length() == 16 ? IpText.of(IpText.address(rdata.bytes(0, 16))) : hex(rdata);
            case DnsTypes.CNAME, DnsTypes.NS, DnsTypes.PTR -> name(msg, at, new int[1]);
            default -> hex(rdata);
        };
    }

    private static String hex(Slice s) { return HexFormat.of().formatHex(s.bytes(0, Math.min(s.length(), 64))); }

    /**
     * Reads a possibly compressed name at {@code at}; {@code end[0]} receives the offset after it in the message.
     * Labels are printed as in zone files: unusual bytes as \DDD, dots inside a label as \. (RFC 4343).
     */
    static String name(Slice s, int at, int[] end) {
        StringBuilder sb = new StringBuilder();
        int pos = at, hops = 0, wire = 0;
        end[0] = -1;
        while (true) {
            int len = s.u8(pos);
            if ((len & 0xc0) == 0xc0) {
                if (++hops > MAX_POINTERS) throw new Slice.Malformed("DNS name has more than " + MAX_POINTERS + " pointers");
                if (end[0] < 0) end[0] = pos + 2;
                pos = ((len & 0x3f) << 8) | s.u8(pos + 1);
                continue;
            }
            if ((len & 0xc0) != 0) throw new Slice.Malformed("DNS label type " + (len >> 6));
            if (len == 0) {
                if (end[0] < 0) end[0] = pos + 1;
                return sb.isEmpty() ? "<Root>" : sb.toString();
            }
            wire += len + 1;
            if (wire > MAX_NAME) throw new Slice.Malformed("DNS name longer than " + MAX_NAME);
            if (!sb.isEmpty()) sb.append('.');
            for (int i = 0; i < len; i++) {
                int c = s.u8(pos + 1 + i);
                if (c == '.' || c == '\\') sb.append('\\').append((char) c);
                else if (c > 0x20 && c < 0x7f) sb.append((char) c);
                else sb.append('\\').append(String.format("%03d", c));
            }
            pos += len + 1;
        }
    }
}
