package io.chirp.net.decode;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IP addresses as text the way analysts and Wireshark write them: dotted IPv4, and IPv6 in RFC 5952 form (lower
 * case, the longest run of two or more zero groups as "::"), which {@link InetAddress#getHostAddress()} does not do.
 */
public final class IpText {
    private IpText() {}

    /** {@return the address as text} */
    public static String of(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) return a.getHostAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1, bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
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
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

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
