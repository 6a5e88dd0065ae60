package io.chirp.cli;

import io.chirp.core.ChirpException;

import java.time.Duration;

/** Durations as analysts type them: 200us, 500ms, 2s, 5m, 1h (or ISO-8601 like PT30S); always positive. */
final class Durations {
    private Durations() {}

    static Duration parse(String s) {
        Duration d;
        try {
            d = parseAny(s.strip().toLowerCase(java.util.Locale.ROOT));
        } catch (RuntimeException e) {
            d = null;
        }
        if (d == null || d.isNegative() || d.isZero()) {
            throw ChirpException.usage("not a positive duration: " + s + " (e.g. 500ms, 2s, 5m, 1h or PT30S)");
        }
        return d;
    }

    private static Duration parseAny(String t) {
        if (t.startsWith("pt")) return Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
        if (t.endsWith("us")) return Duration.ofNanos(Long.parseLong(t.substring(0, t.length() - 2)) * 1000);
        if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> null;
        };
    }
}
