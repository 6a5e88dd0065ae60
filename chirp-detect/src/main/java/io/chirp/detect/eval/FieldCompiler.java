package io.chirp.detect.eval;

import io.chirp.detect.RuleException;
import io.chirp.detect.rule.FieldSpec;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Compiles a {@link FieldSpec} into a {@link FieldCondition} by applying its modifiers. Modifiers come in three
 * kinds, applied in this order whatever order the rule writes them in:
 * <ol>
 * <li>value transforms on the literal text: {@code wide}/{@code utf16le}/{@code utf16be}/{@code utf16} (choose the
 *     encoding for the next base64), {@code base64}, {@code base64offset}, {@code windash};</li>
 * <li>at most one match type: {@code contains}, {@code startswith}, {@code endswith} (wildcards), {@code re} (with
 *     {@code i}, {@code m}, {@code s}), {@code cidr}, {@code gt}/{@code gte}/{@code lt}/{@code lte}, {@code exists},
 *     {@code fieldref};</li>
 * <li>flags: {@code all} (every value must match), {@code cased} (case-sensitive; Sigma is case-insensitive by
 *     default).</li>
 * </ol>
 */
public final class FieldCompiler {
    private static final Set<String> TYPES = Set.of("contains", "startswith", "endswith", "re", "cidr",
            "gt", "gte", "lt", "lte", "exists", "fieldref");
    private static final Set<String> REGEX_FLAGS = Set.of("i", "m", "s");
    /** Dash-like characters Windows tools accept for '-'; cheap to support, so we do. */
    private static final String WINDASHES = "-/\u2013\u2014\u2015";

    private FieldCompiler() { }

    /** {@return the compiled condition} @throws RuleException for an unknown or unsupported modifier */
    public static FieldCondition compile(FieldSpec spec) {
        String type = null;
        boolean all = false, cased = false, base64 = false, base64offset = false, windash = false;
        boolean ri = false, rm = false, rs = false;
        Charset encoding = StandardCharsets.UTF_8;
        for (String m : spec.modifiers()) {
            if (TYPES.contains(m)) {
                if (type != null) throw new RuleException("'" + spec.key() + "' combines match modifiers '" + type + "' and '" + m + "'");
                type = m;
            } else if ("re".equals(type) && REGEX_FLAGS.contains(m)) {
                switch (m) { case "i" -> ri = true; case "m" -> rm = true; default -> rs = true; }
            } else {
                switch (m) {
                    case "all" -> all = true;
                    case "cased" -> cased = true;
                    case "base64" -> base64 = true;
                    case "base64offset" -> base64offset = true;
                    case "windash" -> windash = true;
                    case "wide", "utf16le" -> encoding = StandardCharsets.UTF_16LE;
                    case "utf16be" -> encoding = StandardCharsets.UTF_16BE;
                    case "utf16" -> encoding = StandardCharsets.UTF_16;   // with BOM, as Sigma defines it
                    case "expand" -> throw new RuleException("modifier 'expand' needs placeholder values, which CHIRP does not define");
                    default -> throw new RuleException("unknown modifier '" + m + "' in '" + spec.key() + "'");
                }
            }
        }
        if (base64 && base64offset) throw new RuleException("'" + spec.key() + "' has both base64 and base64offset");
        if (spec.keyword() && type != null && !Set.of("contains", "startswith", "endswith", "re").contains(type)) {
            throw new RuleException("keyword search '" + spec.key() + "' cannot use modifier '" + type + "'");
        }
        if ("exists".equals(type)) return exists(spec);

        boolean matchesNull = false;
        List<ValueMatcher> matchers = new ArrayList<>();
        for (Object v : spec.values()) {
            if (v == null) {
                if (type != null) throw new RuleException("'" + spec.key() + "' has a null value, which '" + type + "' cannot use");
                matchesNull = true;
                continue;
            }
            String raw = EventValues.text(v);
            switch (type == null ? (spec.keyword() ? "contains" : "equals") : type) {
                case "re" -> matchers.add(new ValueMatcher.Regex(BoundedRegex.compile(raw, ri, rm, rs)));
                case "cidr" -> matchers.add(new ValueMatcher.Cidr(CidrBlock.parse(raw)));
                case "gt", "gte", "lt", "lte" -> matchers.add(compare(spec, type, v));
                case "fieldref" -> matchers.add(new ValueMatcher.FieldRef(raw, ValueMatcher.FieldRef.Kind.EQUALS, cased));
                default -> {
                    for (SigmaString s : transform(spec, SigmaString.parse(raw), base64, base64offset, windash, encoding)) {
                        SigmaString shaped = switch (type == null ? (spec.keyword() ? "contains" : "equals") : type) {
                            case "contains" -> s.contains();
                            case "startswith" -> s.endsWithAny();
                            case "endswith" -> s.startsWithAny();
                            default -> s;
                        };
                        matchers.add(new ValueMatcher.Glob(new GlobPattern(shaped, cased)));
                    }
                }
            }
        }
        if (all && matchesNull) throw new RuleException("'" + spec.key() + "' combines 'all' with a null value");
        if (spec.keyword()) return new FieldCondition.Keywords(spec, matchers, all);
        // interned: the pipeline's field names are constants, so a map lookup's equals is one comparison
        return new FieldCondition.Values(spec, spec.field().intern(), matchers, all, matchesNull);
    }

    private static FieldCondition exists(FieldSpec spec) {
        if (spec.keyword()) throw new RuleException("'exists' needs a field");
        if (spec.values().size() != 1) throw new RuleException("'" + spec.key() + "' needs exactly one of true or false");
        Object v = spec.values().getFirst();
        boolean expected;
        if (v instanceof Boolean b) expected = b;
        else if ("true".equalsIgnoreCase(String.valueOf(v))) expected = true;
        else if ("false".equalsIgnoreCase(String.valueOf(v))) expected = false;
        else throw new RuleException("'" + spec.key() + "' needs true or false, not '" + v + "'");
        return new FieldCondition.Exists(spec, spec.field().intern(), expected);
    }

    private static ValueMatcher compare(FieldSpec spec, String type, Object v) {
        double bound;
        try {
            bound = v instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(v).strip());
        } catch (NumberFormatException e) {
            throw new RuleException("'" + spec.key() + "' compares with '" + v + "', which is not a number");
        }
        return new ValueMatcher.Compare(ValueMatcher.Compare.Op.valueOf(type.toUpperCase(java.util.Locale.ROOT)), bound);
    }

    /** Applies the value transforms; one value may become several (base64offset, windash). */
    private static List<SigmaString> transform(FieldSpec spec, SigmaString value, boolean base64, boolean base64offset,
                                               boolean windash, Charset encoding) {
        List<SigmaString> out = new ArrayList<>(List.of(value));
        if (windash) {
            List<SigmaString> w = new ArrayList<>();
            for (SigmaString s : out) {
                for (char d : WINDASHES.toCharArray()) {
                    SigmaString variant = s.mapText(t -> replaceWordDashes(t, d));
                    if (!w.contains(variant)) w.add(variant);
                }
            }
            out = w;
        }
        if (base64 || base64offset) {
            List<SigmaString> b = new ArrayList<>();
            for (SigmaString s : out) {
                if (s.hasWildcards()) throw new RuleException("'" + spec.key() + "': base64 of a value with wildcards is undefined");
                byte[] bytes = s.plain().getBytes(encoding);
                if (base64) b.add(SigmaString.literal(Base64.getEncoder().encodeToString(bytes)));
                else for (int shift = 0; shift < 3; shift++) b.add(SigmaString.literal(base64Offset(bytes, shift)));
            }
            out = b;
        }
        return out;
    }

    /** Replaces a '-' or '/' that starts a word (start of text or after a space) with {@code dash}. */
    private static String replaceWordDashes(String t, char dash) {
        StringBuilder sb = new StringBuilder(t);
        for (int i = 0; i < sb.length(); i++) {
            boolean wordStart = i == 0 || sb.charAt(i - 1) == ' ';
            if (wordStart && (sb.charAt(i) == '-' || sb.charAt(i) == '/')) sb.setCharAt(i, dash);
        }
        return sb.toString();
    }

    /**
     * The part of base64 that is the same whatever precedes the value, when the value starts {@code shift} bytes
     * into a 3-byte group (Sigma's base64offset): encode with {@code shift} filler bytes, then drop the characters
     * the filler influences at the start and the ones the unknown next bytes influence at the end.
     */
    static String base64Offset(byte[] value, int shift) {
        byte[] padded = new byte[shift + value.length];
        System.arraycopy(value, 0, padded, shift, value.length);
        String enc = Base64.getEncoder().encodeToString(padded);
        int start = new int[] {0, 2, 3}[shift];
        int endTrim = new int[] {0, 3, 2}[(shift + value.length) % 3];
        int end = enc.length() - endTrim;
        // Drop '=' padding too: the real data continues after the value.
        while (end > start && enc.charAt(end - 1) == '=') end--;
        return end > start ? enc.substring(start, end) : "";
    }
}
