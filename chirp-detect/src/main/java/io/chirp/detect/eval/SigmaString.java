package io.chirp.detect.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A plain Sigma value with its wildcards resolved: text, {@code *} (any characters) and {@code ?} (one character).
 * A backslash escapes {@code *}, {@code ?} and itself; before any other character it is a literal backslash,
 * as the Sigma specification says (so Windows paths need no doubling).
 */
public record SigmaString(List<Part> parts) {

    /** One piece of a value. */
    public sealed interface Part { }
    /** Literal characters. */
    public record Text(String text) implements Part { }
    /** {@code *}: any run of characters, possibly empty. */
    public record AnyChars() implements Part { }
    /** {@code ?}: exactly one character. */
    public record OneChar() implements Part { }

    private static final AnyChars ANY = new AnyChars();

    public SigmaString {
        parts = List.copyOf(normalise(parts));
    }

    /** {@return the value written in a rule, with wildcards and escapes interpreted} */
    public static SigmaString parse(String raw) {
        List<Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length() && "*?\\".indexOf(raw.charAt(i + 1)) >= 0) {
                text.append(raw.charAt(++i));
            } else if (c == '*' || c == '?') {
                if (!text.isEmpty()) parts.add(new Text(text.toString()));
                text.setLength(0);
                parts.add(c == '*' ? ANY : new OneChar());
            } else {
                text.append(c);
            }
        }
        if (!text.isEmpty()) parts.add(new Text(text.toString()));
        return new SigmaString(parts);
    }

    /** {@return a value that is exactly {@code text}, no wildcards} */
    public static SigmaString literal(String text) { return new SigmaString(List.of(new Text(text))); }

    /** {@return whether the value has {@code *} or {@code ?}} */
    public boolean hasWildcards() { return parts.stream().anyMatch(p -> !(p instanceof Text)); }

    /** {@return the text of a value without wildcards} @throws IllegalStateException if it has some */
    public String plain() {
        if (hasWildcards()) throw new IllegalStateException("value has wildcards");
        return parts.isEmpty() ? "" : ((Text) parts.getFirst()).text();
    }

    /** {@return this value with {@code *} in front and behind (the contains modifier)} */
    public SigmaString contains() { return startsWithAny().endsWithAny(); }

    /** {@return this value with {@code *} in front (the endswith modifier)} */
    public SigmaString startsWithAny() {
        List<Part> p = new ArrayList<>(parts);
        p.addFirst(ANY);
        return new SigmaString(p);
    }

    /** {@return this value with {@code *} behind (the startswith modifier)} */
    public SigmaString endsWithAny() {
        List<Part> p = new ArrayList<>(parts);
        p.add(ANY);
        return new SigmaString(p);
    }

    /** {@return this value with {@code f} applied to each literal piece (wildcards kept)} */
    public SigmaString mapText(UnaryOperator<String> f) {
        return new SigmaString(parts.stream().map(p -> p instanceof Text(String t) ? (Part) new Text(f.apply(t)) : p).toList());
    }

    private static List<Part> normalise(List<Part> in) {
        // Merge adjacent text and collapse runs of '*' so the matcher sees canonical segments.
        List<Part> out = new ArrayList<>();
        for (Part p : in) {
            Part last = out.isEmpty() ? null : out.getLast();
            if (p instanceof Text(String t)) {
                if (t.isEmpty()) continue;
                if (last instanceof Text(String lt)) out.set(out.size() - 1, new Text(lt + t));
                else out.add(p);
            } else if (p instanceof AnyChars && last instanceof AnyChars) {
                continue;
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** {@return the value in Sigma notation (wildcards and escapes written back)} */
    @Override public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            switch (p) {
                case Text(String t) -> sb.append(t.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?"));
                case AnyChars a -> sb.append('*');
                case OneChar o -> sb.append('?');
            }
        }
        return sb.toString();
    }
}
