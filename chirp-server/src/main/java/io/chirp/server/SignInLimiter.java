package io.chirp.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Failed sign-ins counted per user name and per client address over a sliding {@link #WINDOW}: past
 * {@link #PER_USER} failures for a name, or {@link #PER_ADDRESS} from one address, further attempts are refused
 * (HTTP 429) before any password is checked, until the oldest failure leaves the window. Guessing a password then
 * takes years, bcrypt's cost is not spent on a flood, and one address cannot lock every account (the per-user count
 * is cleared by a successful sign-in; the per-address one is not).
 * <p>
 * Both the API's Basic/Bearer authentication and the console's {@code POST /api/session} go through here. Memory is
 * bounded: at most {@link #KEYS} names and addresses are tracked, the least recently failed dropped first.
 */
final class SignInLimiter {
    static final Duration WINDOW = Duration.ofMinutes(15);
    static final int PER_USER = 10;
    static final int PER_ADDRESS = 50;
    static final int KEYS = 10_000;

    private final Clock clock;
    // access-ordered: the eldest entry is the one that failed least recently
    private final Map<String, Deque<Instant>> failures = new LinkedHashMap<>(256, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<String, Deque<Instant>> e) { return size() > KEYS; }
    };

    SignInLimiter() { this(Clock.systemUTC()); }

    SignInLimiter(Clock clock) { this.clock = clock; }

    /** {@return why a sign-in as {@code user} (null for a token) from {@code address} is refused now, if it is} */
    synchronized Optional<String> refusal(String user, String address) {
        Instant now = clock.instant();
        if (user != null && count("user:" + user, now) >= PER_USER) {
            return Optional.of("too many failed sign-ins for this user; try again later");
        }
        if (count("addr:" + address, now) >= PER_ADDRESS) {
            return Optional.of("too many failed sign-ins from this address; try again later");
        }
        return Optional.empty();
    }

    /** Throws a 429 {@link ApiError} if {@link #refusal} says so. */
    void check(String user, String address) {
        refusal(user, address).ifPresent(m -> { throw new ApiError(429, "too_many_attempts", m); });
    }

    /** Records a failed sign-in. */
    synchronized void failed(String user, String address) {
        Instant now = clock.instant();
        if (user != null) add("user:" + user, now);
        add("addr:" + address, now);
    }

    /** Records a successful sign-in: the user's failures are forgiven, the address's are not. */
    synchronized void succeeded(String user) {
        if (user != null) failures.remove("user:" + user);
    }

    private void add(String key, Instant now) {
        Deque<Instant> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        prune(d, now);
        d.addLast(now);
        // a refused key stops growing: only the last PER_ADDRESS failures can matter
        while (d.size() > PER_ADDRESS) d.removeFirst();
    }

    private int count(String key, Instant now) {
        Deque<Instant> d = failures.get(key);
        if (d == null) return 0;
        prune(d, now);
        return d.size();
    }

    private static void prune(Deque<Instant> d, Instant now) {
        Instant cut = now.minus(WINDOW);
        while (!d.isEmpty() && !d.peekFirst().isAfter(cut)) d.removeFirst();
    }
}
