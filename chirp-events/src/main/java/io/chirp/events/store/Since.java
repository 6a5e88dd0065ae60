package io.chirp.events.store;

import io.chirp.core.ChirpException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a "since" time as users type it: an ISO-8601 instant ({@code 2026-08-05T10:00:00Z}), a date-time without
 * zone or a date (both taken as UTC), or a duration back from now ({@code 30s}, {@code 10m}, {@code 2h},
 * {@code 1d}, {@code 1w}).
 */
public final class Since {
    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,9})\\s*([smhdw])");

    private Since() {}

    /** {@return the instant {@code text} denotes, relative durations counted back from {@code clock}'s now} */
    public static Instant parse(String text, Clock clock) {
        String t = text.trim();
        Matcher m = RELATIVE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return clock.instant().minus(d);
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException ignored) {
            // not an instant; try the next form
        }
        try {
            return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // not a local date-time either
        }
        try {
            return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw ChirpException.usage("cannot read time '" + text + "': use an ISO-8601 instant "
                    + "(2026-08-05T10:00:00Z), a date (2026-08-05, UTC) or a duration back from now (10m, 2h, 1d)");
        }
    }
}
