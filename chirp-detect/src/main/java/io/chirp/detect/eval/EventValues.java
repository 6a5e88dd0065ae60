package io.chirp.detect.eval;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * How event values look to matchers: every scalar becomes text (Sigma compares {@code DestinationPort: 888} with
 * the number 888, and {@code Initiated: 'true'} with a boolean), and a collection is a multi-valued field whose
 * elements are tried one by one. Nesting is flattened only one level: events are flat by contract.
 */
public final class EventValues {
    private EventValues() { }

    /** {@return the text forms of a field value (empty for null)} */
    public static List<String> texts(Object value) {
        if (value == null) return List.of();
        if (value instanceof Collection<?> c) {
            List<String> out = new ArrayList<>(c.size());
            for (Object o : c) if (o != null && !(o instanceof Collection<?>)) out.add(text(o));
            return out;
        }
        return List.of(text(value));
    }

    /** {@return the text form of one scalar} */
    public static String text(Object o) {
        if (o instanceof Double d && d == Math.rint(d) && !d.isInfinite() && Math.abs(d) < 1e15) return Long.toString(d.longValue());
        if (o instanceof Float f && f == Math.rint(f) && !f.isInfinite() && Math.abs(f) < 1e7f) return Long.toString(f.longValue());
        return String.valueOf(o);
    }
}
