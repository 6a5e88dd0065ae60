package io.chirp.cli;

import io.chirp.core.ChirpException;

import java.time.Duration;

/** Durations as analysts type them: 500ms, 2s, 5m, 1h (or ISO-8601 like PT30S). */
final class Durations {
    private Durations() {}

    static Duration parse(String s) {
        String t = s.strip().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.startsWith("pt")) return Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
            if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            Duration d = switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException();
            };
            if (d.isNegative() || d.isZero()) throw new NumberFormatException();
            return d;
        } catch (RuntimeException e) {
            throw ChirpException.usage("not a duration: " + s + " (e.g. 500ms, 2s, 5m)");
        }
    }
}
