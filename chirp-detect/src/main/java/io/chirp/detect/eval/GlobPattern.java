package io.chirp.detect.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link SigmaString} compiled for matching. The value is cut at each {@code *} into fixed-length segments
 * ({@code ?} matches any one character inside a segment); the first segment is anchored at the start, the last at
 * the end, and the ones between are found leftmost-first. That greedy walk is exact for globs and never
 * backtracks, so a hostile event value cannot make it slow the way a regex can.
 */
public final class GlobPattern {
    private static final char ONE = '\uFFFF';   // a non-character: cannot occur in the pattern text we keep

    private final String[] segments;
    private final boolean caseSensitive;
    private final String display;

    public GlobPattern(SigmaString value, boolean caseSensitive) {
        this.caseSensitive = caseSensitive;
        this.display = value.toString();
        List<String> segs = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        List<SigmaString.Part> parts = value.parts();
        for (SigmaString.Part p : parts) {
            switch (p) {
                case SigmaString.Text(String t) -> cur.append(caseSensitive ? t : fold(t));
                case SigmaString.OneChar o -> cur.append(ONE);
                case SigmaString.AnyChars a -> { segs.add(cur.toString()); cur.setLength(0); }
            }
        }
        segs.add(cur.toString());
        this.segments = segs.toArray(String[]::new);
    }

    /** {@return whether {@code input} matches the whole pattern} */
    public boolean matches(String input) {
        String s = caseSensitive ? input : fold(input);
        int n = segments.length;
        if (n == 1) {
            return s.length() == segments[0].length() && regionMatches(s, 0, segments[0]);
        }
        int from;
        int end = s.length();
        String first = segments[0];
        String last = segments[n - 1];
        if (first.length() + last.length() > s.length()) return false;
        if (!regionMatches(s, 0, first)) return false;
        from = first.length();
        if (!regionMatches(s, end - last.length(), last)) return false;
        end -= last.length();
        for (int i = 1; i < n - 1; i++) {
            int at = indexOf(s, segments[i], from, end);
            if (at < 0) return false;
            from = at + segments[i].length();
        }
        return true;
    }

    /**
     * {@return the fixed text between the wildcards {@code *}, with {@code ?} shown as 'x'}: one element for a
     * value without {@code *}, else the anchored head, the floating middles, and the anchored tail (either may be
     * empty); coverage checks build sample values from it
     */
    public List<String> segments() {
        List<String> out = new ArrayList<>();
        for (String s : segments) out.add(s.replace(ONE, 'x'));
        return List.copyOf(out);
    }

    /**
     * {@return the literal runs of the pattern as the matcher compares them (folded unless case-sensitive), cut at
     * every {@code *} and {@code ?}}: each run occurs in the compared form of every value the pattern matches
     */
    List<String> literalRuns() {
        List<String> out = new ArrayList<>();
        for (String seg : segments) {
            for (String run : seg.split(String.valueOf(ONE), -1)) if (!run.isEmpty()) out.add(run);
        }
        return out;
    }

    /** {@return whether the pattern compares case-sensitively (the cased modifier)} */
    boolean caseSensitive() { return caseSensitive; }

    static String fold(String s) { return s.toLowerCase(Locale.ROOT); }

    private static boolean regionMatches(String s, int at, String seg) {
        if (seg.indexOf(ONE) < 0) return s.startsWith(seg, at);
        if (at < 0 || at + seg.length() > s.length()) return false;
        for (int i = 0; i < seg.length(); i++) {
            char c = seg.charAt(i);
            if (c != ONE && c != s.charAt(at + i)) return false;
        }
        return true;
    }

    private static int indexOf(String s, String seg, int from, int end) {
        if (seg.isEmpty()) return from;
        if (seg.indexOf(ONE) < 0) {
            int at = s.indexOf(seg, from);
            return at >= 0 && at + seg.length() <= end ? at : -1;
        }
        for (int at = from; at + seg.length() <= end; at++) if (regionMatches(s, at, seg)) return at;
        return -1;
    }

    @Override public String toString() { return display; }
}
