package io.chirp.net.proto;

import io.chirp.net.decode.Slice;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The server name (SNI) and ALPN list of a TLS ClientHello (RFC 8446 4.1.2, RFC 6066 3, RFC 7301). Every length
 * field is checked against its enclosing structure, which is checked against the bytes present. A hello larger
 * than its segment is parsed as far as it goes and marked partial.
 */
public final class TlsParser {
    private static final int MAX_RECORD = (1 << 14) + 2048;
    private static final int MAX_ALPN = 32;

    private TlsParser() {}

    /** {@return true if the payload starts like a TLS handshake record (cheap test before parsing)} */
    public static boolean looksLikeHandshake(Slice s) {
        return s.has(0, 6) && s.u8(0) == 22 && s.u8(1) == 3 && s.u8(2) <= 4 && s.u8(5) == 1;
    }

    /** {@return the ClientHello at the start of {@code payload}, or empty if there is none} */
    public static Optional<AppData.TlsClientHello> parse(Slice payload) {
        if (!looksLikeHandshake(payload)) return Optional.empty();
        int recordLength = payload.u16(3);
        if (recordLength > MAX_RECORD || recordLength < 4) return Optional.empty();
        boolean partial = !payload.has(5, recordLength);
        int version = 0;
        Optional<String> sni = Optional.empty();
        List<String> alpn = new ArrayList<>();
        try {
            Slice record = payload.from(5).head(recordLength);
            int helloLength = record.u24(1);
            if (helloLength > recordLength - 4) partial = true; // a hello spread over several records
            Slice hello = record.from(4).head(helloLength);
            version = hello.u16(0);
            int at = 2 + 32;
            at += 1 + hello.u8(at);                 // session id
            at += 2 + hello.u16(at);                // cipher suites
            at += 1 + hello.u8(at);                 // compression methods
            if (hello.has(at, 2)) {
                int extLength = hello.u16(at);
                Slice exts = hello.sub(at + 2, Math.min(extLength, hello.length() - at - 2));
                if (extLength > exts.length()) partial = true;
                int e = 0;
                while (exts.has(e, 4)) {
                    int type = exts.u16(e), len = exts.u16(e + 2);
                    if (!exts.has(e + 4, len)) {
                        partial = true;
                        break;
                    }
                    Slice body = exts.sub(e + 4, len);
                    if (type == 0 && sni.isEmpty()) sni = serverName(body);
                    else if (type == 16) alpn(body, alpn);
                    e += 4 + len;
                }
            }
        } catch (Slice.Malformed ex) {
            partial = true;
        }
        return Optional.of(new AppData.TlsClientHello(version, sni, List.copyOf(alpn), partial));
    }

    private static Optional<String> serverName(Slice body) {
        Slice list = body.sub(2, Math.min(body.u16(0), body.length() - 2));
        int at = 0;
        while (list.has(at, 3)) {
            int type = list.u8(at), len = list.u16(at + 1);
            Slice name = list.sub(at + 3, len);
            if (type == 0) return Optional.of(new String(name.bytes(0, name.length()), StandardCharsets.UTF_8));
            at += 3 + len;
        }
        return Optional.empty();
    }

    private static void alpn(Slice body, List<String> out) {
        Slice list = body.sub(2, Math.min(body.u16(0), body.length() - 2));
        int at = 0;
        while (list.has(at, 1) && out.size() < MAX_ALPN) {
            int len = list.u8(at);
            out.add(new String(list.bytes(at + 1, len), StandardCharsets.UTF_8));
            at += 1 + len;
        }
    }
}
