package io.chirp.net.proto;

import io.chirp.net.decode.Slice;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The request line and Host header of an HTTP/1.x request, from the first segment of a request. Only the first
 * {@link #MAX_HEAD} bytes are looked at; a request whose head spans segments yields the request line without
 * Host. No reassembly, no bodies.
 */
public final class HttpParser {
    static final int MAX_HEAD = 8192;
    private static final int MAX_HEADERS = 100;
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH",
            "CONNECT", "TRACE");

    private HttpParser() {}

    /** {@return true if the payload starts like a request (cheap test before parsing)} */
    public static boolean looksLikeRequest(Slice s) {
        if (!s.has(0, 4)) return false;
        int c = s.u8(0);
        return c >= 'A' && c <= 'Z' && METHODS.contains(method(s));
    }

    /** {@return the request, or empty if this is not the start of an HTTP/1.x request} */
    public static Optional<AppData.HttpRequest> parse(Slice payload) {
        Slice s = payload.head(MAX_HEAD);
        int eol = lineEnd(s, 0);
        if (eol < 0) return Optional.empty();
        String line = s.latin1(0, eol);
        int sp1 = line.indexOf(' '), sp2 = line.lastIndexOf(' ');
        if (sp1 <= 0 || sp2 <= sp1) return Optional.empty();
        String method = line.substring(0, sp1), target = line.substring(sp1 + 1, sp2), version = line.substring(sp2 + 1);
        if (!METHODS.contains(method) || !version.startsWith("HTTP/1.") || target.isEmpty()) return Optional.empty();
        Optional<String> host = Optional.empty();
        int at = next(s, eol);
        for (int n = 0; n < MAX_HEADERS && at >= 0 && at < s.length(); n++) {
            int end = lineEnd(s, at);
            if (end < 0 || end == at) break;
            String h = s.latin1(at, end - at);
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals("host") && host.isEmpty()) {
                host = Optional.of(h.substring(colon + 1).strip());
            }
            at = next(s, end);
        }
        return Optional.of(new AppData.HttpRequest(method, target, version, host));
    }

    private static String method(Slice s) {
        int sp = s.indexOf(' ', 0);
        if (sp <= 0 || sp > 8) return "";
        return s.latin1(0, sp);
    }

    /** {@return the index of the CR or LF ending the line starting at {@code from}, or -1} */
    private static int lineEnd(Slice s, int from) {
        int lf = s.indexOf('\n', from);
        if (lf < 0) return -1;
        return lf > from && s.u8(lf - 1) == '\r' ? lf - 1 : lf;
    }

    private static int next(Slice s, int end) {
        return s.has(end, 1) && s.u8(end) == '\r' ? end + 2 : end + 1;
    }
}
