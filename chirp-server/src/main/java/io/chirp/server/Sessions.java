package io.chirp.server;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web console's sign-ins: a session is a random 256-bit id kept only in this process (a restart signs everyone
 * out), carried by an HttpOnly, SameSite=Strict cookie, with its own CSRF token that every state-changing call made
 * with the cookie must echo in {@value #CSRF_HEADER}. SameSite=Strict already keeps other sites' pages from sending
 * the cookie; the token is the second lock, for browsers or proxies that ignore SameSite.
 */
final class Sessions {
    static final String COOKIE = "chirp_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    /** A session unused for this long is gone. */
    static final Duration IDLE = Duration.ofHours(8);
    /** Sessions kept at once (each login beyond this drops the least recently used one). */
    static final int MAX = 1000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A signed-in browser. */
    record Session(String id, String csrf, Principal who, Instant created, Instant lastUsed) {}

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** Failed sign-ins, for the API's authentication and the console's sign-in alike. */
    final SignInLimiter limiter = new SignInLimiter();

    /** Signs {@code who} in; {@return the new session} */
    Session create(Principal who) {
        expire();
        if (sessions.size() >= MAX) {
            sessions.values().stream().min(java.util.Comparator.comparing(Session::lastUsed))
                    .ifPresent(s -> sessions.remove(s.id()));
        }
        Instant now = Instant.now();
        Session s = new Session(random(), random(), who, now, now);
        sessions.put(s.id(), s);
        return s;
    }

    /** {@return the live session with this cookie value, touched} */
    Optional<Session> find(String id) {
        if (id == null || id.length() != 43) return Optional.empty();
        Session s = sessions.get(id);
        if (s == null) return Optional.empty();
        Instant now = Instant.now();
        if (s.lastUsed().plus(IDLE).isBefore(now)) {
            sessions.remove(id);
            return Optional.empty();
        }
        Session touched = new Session(s.id(), s.csrf(), s.who(), s.created(), now);
        sessions.put(id, touched);
        return Optional.of(touched);
    }

    void remove(String id) { if (id != null) sessions.remove(id); }

    /** {@return true if {@code given} is this session's CSRF token (compared in constant time)} */
    static boolean csrfMatches(Session s, String given) {
        return given != null && MessageDigest.isEqual(s.csrf().getBytes(StandardCharsets.US_ASCII),
                given.getBytes(StandardCharsets.US_ASCII));
    }

    /** {@return the session cookie's value in a Cookie header, or null} */
    static String cookie(String header) {
        if (header == null || header.length() > 8192) return null;
        for (String part : header.split(";")) {
            String p = part.strip();
            if (p.startsWith(COOKIE + "=")) return p.substring(COOKIE.length() + 1);
        }
        return null;
    }

    private void expire() {
        Instant cut = Instant.now().minus(IDLE);
        sessions.values().removeIf(s -> s.lastUsed().isBefore(cut));
    }

    private static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
