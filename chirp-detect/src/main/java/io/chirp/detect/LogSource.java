package io.chirp.detect;

import java.util.Locale;

/**
 * Sigma's log source: which kind of event a rule is written for, or which kind an event is. Any part may be null.
 * A rule's log source {@linkplain #covers covers} an event's when every part the rule names equals the event's.
 */
public record LogSource(String category, String product, String service) {

    public LogSource {
        category = normalise(category);
        product = normalise(product);
        service = normalise(service);
    }

    /** {@return the log source of a CHIRP event about a Linux guest in the given Sigma category} */
    public static LogSource linux(String category) { return new LogSource(category, "linux", null); }

    /** {@return whether a rule with this log source applies to an event from {@code event}} */
    public boolean covers(LogSource event) {
        return part(category, event.category) && part(product, event.product) && part(service, event.service);
    }

    private static boolean part(String rule, String event) { return rule == null || rule.equals(event); }

    private static String normalise(String s) {
        if (s == null || s.isBlank()) return null;
        return s.strip().toLowerCase(Locale.ROOT);
    }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder();
        if (category != null) sb.append("category=").append(category);
        if (product != null) sb.append(sb.isEmpty() ? "" : " ").append("product=").append(product);
        if (service != null) sb.append(sb.isEmpty() ? "" : " ").append("service=").append(service);
        return sb.isEmpty() ? "any" : sb.toString();
    }
}
