package io.chirp.core;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IP addresses as text the way analysts, ss and Wireshark write them: dotted IPv4, and IPv6 in RFC 5952 form (lower
 * case, the longest run of two or more zero groups as "::", IPv4-mapped addresses with a dotted tail), which
 * {@link InetAddress#getHostAddress()} does not do. One formatter for sockets read from memory and packets on the wire,
 * so the two can be joined as text.
 */
public final class IpText {
    private IpText() {}

    /** {@return the address in network byte order {@code b} (4 or 16 bytes) as text} */
    public static String of(byte[] b) {
        if (b.length == 4) return (b[0] & 255) + "." + (b[1] & 255) + "." + (b[2] & 255) + "." + (b[3] & 255);
        if (b.length != 16) throw new IllegalArgumentException("address of " + b.length + " bytes");
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) w[i] = ((b[2 * i] & 255) << 8) | (b[2 * i + 1] & 255);
        boolean mapped = w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0xffff;
        if (mapped) return "::ffff:" + of(java.util.Arrays.copyOfRange(b, 12, 16));
        // The longest run of two or more zero words becomes "::" (the first such run on a tie).
        int bestStart = -1, bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && w[j] == 0) j++;
            if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(w[i]));
        }
        return sb.toString();
    }

    /** {@return the address as text} */
    public static String of(InetAddress a) { return of(a.getAddress()); }

    /** {@return the address of 4 or 16 raw bytes} */
    public static InetAddress address(byte[] raw) {
        try {
            // Never a lookup: getByAddress only wraps the bytes. IPv4-mapped IPv6 stays IPv6 via Inet6Address.
            return raw.length == 16 ? java.net.Inet6Address.getByAddress(null, raw, -1) : InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address of " + raw.length + " bytes", e);
        }
    }
}
