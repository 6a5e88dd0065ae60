package io.chirp.detect.eval;

import io.chirp.detect.RuleException;

import java.net.InetAddress;

/**
 * An IPv4 or IPv6 network from a {@code cidr} value. Addresses are parsed as literals only
 * ({@link InetAddress#ofLiteral}): an event value is never resolved through DNS.
 */
public record CidrBlock(byte[] network, int prefix, String text) {

    /** {@return the block written as {@code 10.0.0.0/8} or {@code fe80::/10}} @throws RuleException if malformed */
    public static CidrBlock parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        byte[] addr = literal(slash < 0 ? s : s.substring(0, slash));
        if (addr == null) throw new RuleException("cidr '" + text + "' is not an IP network");
        int prefix = addr.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new RuleException("cidr '" + text + "' has a bad prefix length");
            }
            if (prefix < 0 || prefix > addr.length * 8) throw new RuleException("cidr '" + text + "' has a bad prefix length");
        }
        return new CidrBlock(addr, prefix, s);
    }

    /** {@return whether {@code value} is an IP literal inside this block} */
    public boolean contains(String value) {
        byte[] a = literal(value.strip());
        if (a == null || a.length != network.length) return false;
        int full = prefix / 8;
        for (int i = 0; i < full; i++) if (a[i] != network[i]) return false;
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }

    /** {@return the address bytes of an IP literal, or null if the text is not one} */
    static byte[] literal(String s) {
        if (s.isEmpty() || s.length() > 64) return null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = Character.digit(c, 16) >= 0 || c == '.' || c == ':' || c == '[' || c == ']' || c == '%';
            if (!ok) return null;
        }
        try {
            return InetAddress.ofLiteral(s).getAddress();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override public String toString() { return text; }

    @Override public boolean equals(Object o) {
        return o instanceof CidrBlock c && c.prefix == prefix && java.util.Arrays.equals(c.network, network);
    }

    @Override public int hashCode() { return java.util.Arrays.hashCode(network) * 31 + prefix; }
}
