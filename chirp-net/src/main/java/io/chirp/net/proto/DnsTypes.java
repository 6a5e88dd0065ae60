package io.chirp.net.proto;

/** DNS record type names for the common types (RFC 1035 and successors); others print as TYPEnnn (RFC 3597). */
final class DnsTypes {
    private DnsTypes() {}

    static final int A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28, SRV = 33, HTTPS = 65;

    static String name(int type) {
        return switch (type) {
            case A -> "A";
            case NS -> "NS";
            case CNAME -> "CNAME";
            case SOA -> "SOA";
            case PTR -> "PTR";
            case MX -> "MX";
            case TXT -> "TXT";
            case AAAA -> "AAAA";
            case SRV -> "SRV";
            case HTTPS -> "HTTPS";
            case 255 -> "ANY";
            default -> "TYPE" + type;
        };
    }
}
