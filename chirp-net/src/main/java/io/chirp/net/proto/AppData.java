package io.chirp.net.proto;

import java.util.List;
import java.util.Optional;

/** Protocol metadata seen in the clear. Strings come from packets: print them escaped. */
public sealed interface AppData {

    /** {@return a one-line summary for tables} */
    String summary();

    /**
     * A DNS message (query or response).
     *
     * @param partial true if the message ended before all the records its header counts (cut or malformed), or held
     *                more records than are kept
     */
    record Dns(int id, boolean response, int opcode, int rcode, List<DnsQuestion> questions, List<DnsAnswer> answers,
               boolean partial) implements AppData {
        @Override public String summary() {
            StringBuilder sb = new StringBuilder(response ? "dns response" : "dns query");
            for (DnsQuestion q : questions) sb.append(' ').append(q.name()).append(' ').append(DnsTypes.name(q.type()));
            for (DnsAnswer a : answers) sb.append(" -> ").append(a.data());
            if (partial) sb.append(" (partial)");
            return sb.toString();
        }
    }

    /** One DNS question. */
    record DnsQuestion(String name, int type, int dnsClass) {}

    /** One DNS answer record; {@code data} is an address, a name, or a hex dump for other types. */
    record DnsAnswer(String name, int type, long ttl, String data) {}

    /** An HTTP/1.x request line and its Host header. */
    record HttpRequest(String method, String target, String version, Optional<String> host) implements AppData {
        @Override public String summary() {
            return "http " + method + " " + target + host.map(h -> " host=" + h).orElse("");
        }
    }

    /**
     * A TLS ClientHello.
     *
     * @param legacyVersion the hello's version field (0x0303 also for TLS 1.3, which says so in supported_versions)
     * @param serverName    the SNI host name, if sent
     * @param alpn          the ALPN protocols offered
     * @param partial       true if the hello continues beyond what this segment holds (extensions may be missing)
     */
    record TlsClientHello(int legacyVersion, Optional<String> serverName, List<String> alpn, boolean partial) implements AppData {
        @Override public String summary() {
            return "tls client hello" + serverName.map(s -> " sni=" + s).orElse("")
                    + (alpn.isEmpty() ? "" : " alpn=" + String.join(",", alpn)) + (partial ? " (partial)" : "");
        }
    }
}
