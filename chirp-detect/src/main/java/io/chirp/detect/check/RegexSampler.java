package io.chirp.detect.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds one string that a regex finds, for coverage checks: the first alternative of every alternation, the
 * minimum count of every quantifier, the first member of every character class. Good enough for the regexes
 * detection rules use; look-arounds and back-references are given up on (empty result), and every sample is
 * verified against the real pattern by the caller, so a wrong guess is a reported failure, never a false pass.
 */
final class RegexSampler {
    private static final int MAX_SAMPLE = 4096;
    private static final String FILLER = "ax0 -_/.";

    private final String re;
    private int pos;

    private RegexSampler(String re) { this.re = re; }

    /** {@return a string the regex should find, or empty if the regex uses syntax this sampler does not handle} */
    static Optional<String> sample(String regex) {
        try {
            RegexSampler s = new RegexSampler(regex);
            String out = s.alternation();
            if (s.pos != regex.length() || out.length() > MAX_SAMPLE) return Optional.empty();
            return Optional.of(out);
        } catch (Unsupported | IndexOutOfBoundsException | NumberFormatException e) {   // e.g. \x{41}
            return Optional.empty();
        }
    }

    private static final class Unsupported extends RuntimeException {
        Unsupported() { super(null, null, false, false); }
    }

    private String alternation() {
        String first = sequence();
        while (pos < re.length() && re.charAt(pos) == '|') {
            pos++;
            sequence();   // parse and drop the other branches
        }
        return first;
    }

    private String sequence() {
        StringBuilder sb = new StringBuilder();
        while (pos < re.length() && re.charAt(pos) != '|' && re.charAt(pos) != ')') {
            String atom = atom();
            int[] q = quantifier();
            // Checked before building: 'a{2147483647}' must not allocate gigabytes to find out it is too long.
            if ((long) atom.length() * q[0] + sb.length() > MAX_SAMPLE) throw new Unsupported();
            sb.append(atom.repeat(q[0]));
            if (sb.length() > MAX_SAMPLE) throw new Unsupported();
        }
        return sb.toString();
    }

    private String atom() {
        char c = re.charAt(pos++);
        return switch (c) {
            case '^', '$' -> "";
            case '.' -> "a";
            case '(' -> group();
            case '[' -> String.valueOf(charClass());
            case '\\' -> escape(false);
            default -> String.valueOf(c);
        };
    }

    private String group() {
        if (re.startsWith("?:", pos)) pos += 2;
        else if (re.startsWith("?<", pos) && pos + 2 < re.length() && re.charAt(pos + 2) != '=' && re.charAt(pos + 2) != '!') {
            pos = re.indexOf('>', pos) + 1;
            if (pos == 0) throw new Unsupported();
        } else if (re.startsWith("?", pos)) {
            // Inline flags (?i) are harmless; look-arounds and the rest are not sampled.
            int close = re.indexOf(')', pos);
            String flags = close < 0 ? "" : re.substring(pos + 1, close);
            if (!flags.matches("[imsux-]+")) throw new Unsupported();
            pos = close + 1;
            return "";
        }
        String inner = alternation();
        if (pos >= re.length() || re.charAt(pos) != ')') throw new Unsupported();
        pos++;
        return inner;
    }

    private int[] quantifier() {
        if (pos >= re.length()) return new int[] {1};
        char c = re.charAt(pos);
        int min;
        switch (c) {
            case '*', '?' -> { pos++; min = 0; }
            case '+' -> { pos++; min = 1; }
            case '{' -> {
                int close = re.indexOf('}', pos);
                String body = close < 0 ? "" : re.substring(pos + 1, close);
                if (!body.matches("\\d+(,\\d*)?")) return new int[] {1};   // a literal '{'
                String count = body.split(",")[0];
                if (count.length() > 6) throw new Unsupported();   // beyond any sample size (and int)
                min = Integer.parseInt(count);
                pos = close + 1;
            }
            default -> { return new int[] {1}; }
        }
        if (pos < re.length() && (re.charAt(pos) == '?' || re.charAt(pos) == '+')) pos++;   // lazy, possessive
        return new int[] {min};
    }

    private char charClass() {
        boolean negated = pos < re.length() && re.charAt(pos) == '^';
        if (negated) pos++;
        List<char[]> ranges = new ArrayList<>();
        boolean first = true;
        while (pos < re.length() && (re.charAt(pos) != ']' || first)) {
            first = false;
            char lo;
            char c = re.charAt(pos++);
            if (c == '[') throw new Unsupported();   // nested classes and intersections
            if (c == '\\') {
                String e = escape(true);
                if (e.length() != 1) { ranges.add(new char[] {'\0', '\0'}); continue; }
                if (e.charAt(0) == '\uFFFF') {
                    ranges.add(classShorthand(re.charAt(pos - 1)));
                    continue;
                }
                lo = e.charAt(0);
            } else {
                lo = c;
            }
            char hi = lo;
            if (pos + 1 < re.length() && re.charAt(pos) == '-' && re.charAt(pos + 1) != ']') {
                pos++;
                char h = re.charAt(pos++);
                hi = h == '\\' ? escape(true).charAt(0) : h;
            }
            ranges.add(new char[] {lo, hi});
        }
        pos++;   // ']'
        if (!negated) {
            for (char[] r : ranges) if (r[0] != '\0' || r[1] != '\0') return r[0];
            throw new Unsupported();
        }
        for (char f : FILLER.toCharArray()) {
            boolean in = false;
            for (char[] r : ranges) if (f >= r[0] && f <= r[1]) in = true;
            if (!in) return f;
        }
        throw new Unsupported();
    }

    /** Shorthand classes inside [...]: a representative range, checked against the filler for negation. */
    private static char[] classShorthand(char c) {
        return switch (c) {
            case 's' -> new char[] {' ', ' '};
            case 'd' -> new char[] {'0', '9'};
            case 'w' -> new char[] {'a', 'z'};
            default -> new char[] {'x', 'x'};
        };
    }

    /** After a backslash. In a class, shorthands return U+FFFF so the caller picks a range. */
    private String escape(boolean inClass) {
        char c = re.charAt(pos++);
        switch (c) {
            case 's', 'd', 'w', 'S', 'D', 'W':
                if (inClass) return "\uFFFF";
                return switch (c) { case 's' -> " "; case 'd' -> "0"; case 'w' -> "a"; case 'W' -> " "; default -> "x"; };
            case 'b', 'B', 'A', 'z', 'Z', 'G':
                if (inClass) throw new Unsupported();
                return "";
            case 't': return "\t";
            case 'n': return "\n";
            case 'r': return "\r";
            case 'x': {
                String hex = re.substring(pos, pos + 2);
                pos += 2;
                return String.valueOf((char) Integer.parseInt(hex, 16));
            }
            case 'Q': {
                int end = re.indexOf("\\E", pos);
                String lit = end < 0 ? re.substring(pos) : re.substring(pos, end);
                pos = end < 0 ? re.length() : end + 2;
                return lit;
            }
            default:
                if (Character.isDigit(c) || Character.isLetter(c)) throw new Unsupported();   // back-references, \p{..}
                return String.valueOf(c);
        }
    }
}
