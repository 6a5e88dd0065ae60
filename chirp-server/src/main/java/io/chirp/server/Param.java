package io.chirp.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A declared parameter of a route: where it comes from, what values it accepts, and its documentation. The
 * same declaration validates every request and writes the parameter into the OpenAPI document, so what the
 * document promises is what the server checks.
 *
 * @param name     the parameter's name
 * @param in       path, query string or JSON body
 * @param kind     what values it takes
 * @param required whether it must be given
 * @param doc      what it means
 * @param min      smallest value (INTEGER) or element value (INTEGERS)
 * @param max      largest value, or longest text (TEXT, SECRET)
 * @param pattern  the pattern a TEXT value must match, or null
 * @param choices  the accepted values of a CHOICE or CHOICES parameter
 * @param fallback the value when not given, or null
 * @param example  a valid value for the document (required query parameters have one), or null
 */
public record Param(String name, In in, Kind kind, boolean required, String doc, long min, long max, String pattern,
                    List<String> choices, Object fallback, String example) {
    /** Where a parameter is read from. */
    public enum In { PATH, QUERY, BODY }

    /** The value type. */
    public enum Kind { INTEGER, BOOLEAN, TEXT, DOCUMENT, SECRET, CHOICE, CHOICES, INTEGERS }

    /**
     * Names of VMs: what QEMU's -name allows in practice, without path or shell metacharacters, optionally after a
     * back-end id ({@code libvirt:web1}).
     */
    public static final String VM_NAME = "(?:[a-z][a-z0-9]{0,15}:)?[A-Za-z0-9][A-Za-z0-9._+-]{0,63}";
    /** Longest VM name with its back-end id. */
    public static final int VM_NAME_MAX = 80;
    /** Most elements in a comma-separated list. */
    static final int MAX_LIST = 256;

    public Param {
        choices = choices == null ? List.of() : List.copyOf(choices);
        if (in == In.PATH && !required) throw new IllegalArgumentException("path parameters are required");
    }

    /** {@return this parameter with an example value for the document} */
    public Param withExample(String e) {
        return new Param(name, in, kind, required, doc, min, max, pattern, choices, fallback, e);
    }

    /** {@code {vm}}: a VM name in the path. */
    public static Param vm() { return new Param("vm", In.PATH, Kind.TEXT, true, "VM name, or BACKEND:NAME (see GET /api/vms)", 0, VM_NAME_MAX, VM_NAME, null, null, null); }

    public static Param pathId(String name, String doc) {
        return new Param(name, In.PATH, Kind.TEXT, true, doc, 0, 64, "[A-Za-z0-9_-]{1,64}", null, null, null);
    }

    public static Param flag(String name, String doc) { return flag(name, doc, false); }

    public static Param flag(String name, String doc, boolean fallback) {
        return new Param(name, In.QUERY, Kind.BOOLEAN, false, doc, 0, 0, null, null, fallback, null);
    }

    /** A true/false field of a JSON body, false when not given. */
    public static Param bodyFlag(String name, String doc) {
        return new Param(name, In.BODY, Kind.BOOLEAN, false, doc, 0, 0, null, null, false, null);
    }

    /**
     * A 64-bit address as analysts type it: 0x-hex, or decimal; at most {@code max} comma-separated ones. Parsed by
     * the handler with chirp-tables' {@code MemoryViews.parse}, which checks the range.
     */
    public static Param addresses(String name, In in, boolean required, String doc, int max) {
        return new Param(name, in, Kind.TEXT, required, doc, 0, max * 19L,
                "(0x[0-9A-Fa-f_]{1,16}|[0-9_]{1,20})(,(0x[0-9A-Fa-f_]{1,16}|[0-9_]{1,20})){0," + (max - 1) + "}", null, null, null);
    }

    public static Param integer(String name, In in, String doc, long min, long max, Long fallback) {
        return new Param(name, in, Kind.INTEGER, false, doc, min, max, null, null, fallback, null);
    }

    public static Param pid(String doc) { return integer("pid", In.QUERY, doc, 0, 4_194_304, null); }

    public static Param pids(String doc) {
        return new Param("pid", In.QUERY, Kind.INTEGERS, false, doc, 0, 4_194_304, null, null, null, null);
    }

    public static Param choice(String name, In in, boolean required, String doc, String fallback, List<String> values) {
        return new Param(name, in, Kind.CHOICE, required, doc, 0, 0, null, values, fallback, null);
    }

    public static Param choices(String name, String doc, List<String> values) {
        return new Param(name, In.QUERY, Kind.CHOICES, false, doc, 0, 0, null, values, null, null);
    }

    public static Param text(String name, In in, boolean required, String doc, String pattern, int maxLength) {
        return new Param(name, in, Kind.TEXT, required, doc, 0, maxLength, pattern, null, null, null);
    }

    /** A multi-line text in a JSON body (a rule's YAML): newlines and tabs allowed, other control characters not. */
    public static Param document(String name, String doc, int maxLength) {
        return new Param(name, In.BODY, Kind.DOCUMENT, true, doc, 0, maxLength, null, null, null, null);
    }

    public static Param secret(String name, String doc) {
        return new Param(name, In.BODY, Kind.SECRET, true, doc, 12, 72, null, null, null, null);
    }

    /** {@return the value of a path or query parameter given as text} */
    public Object parse(String raw) {
        if (raw.length() > 4096) throw bad("is too long");
        return switch (kind) {
            case INTEGER -> integer(raw.strip());
            case BOOLEAN -> switch (raw) {
                case "true", "1", "" -> true;
                case "false", "0" -> false;
                default -> throw bad("must be true or false");
            };
            case TEXT, SECRET, DOCUMENT -> text(raw);
            case CHOICE -> choice(raw);
            case CHOICES -> {
                Set<String> out = new LinkedHashSet<>();
                for (String s : split(raw)) out.add(choice(s));
                yield Set.copyOf(out);
            }
            case INTEGERS -> {
                Set<Integer> out = new LinkedHashSet<>();
                for (String s : split(raw)) out.add((int) integer(s.strip()));
                yield Set.copyOf(out);
            }
        };
    }

    /** {@return the value of a JSON body field} */
    public Object parse(JsonNode n) {
        return switch (kind) {
            case INTEGER -> {
                if (!n.isIntegralNumber()) throw bad("must be an integer");
                yield integer(n.asText());
            }
            case BOOLEAN -> {
                if (!n.isBoolean()) throw bad("must be true or false");
                yield n.booleanValue();
            }
            case TEXT, SECRET, DOCUMENT, CHOICE -> {
                if (!n.isTextual()) throw bad("must be a string");
                yield kind == Kind.CHOICE ? choice(n.textValue()) : text(n.textValue());
            }
            case CHOICES, INTEGERS -> throw new IllegalStateException("list parameters are query parameters");
        };
    }

    private long integer(String s) {
        long v;
        try {
            if (!s.matches("-?[0-9]{1,19}")) throw new NumberFormatException();
            v = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw bad("must be an integer");
        }
        if (v < min || v > max) throw bad("must be between " + min + " and " + max);
        return v;
    }

    private String text(String s) {
        if (kind == Kind.SECRET && s.length() < min) throw bad("needs at least " + min + " characters");
        if (s.length() > max) throw bad("is longer than " + max + " characters");
        if (pattern != null && !Pattern.matches(pattern, s)) throw bad("must match " + pattern);
        if (kind == Kind.TEXT && s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) throw bad("has control characters");
        if (kind == Kind.DOCUMENT && s.chars().anyMatch(c -> (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)) {
            throw bad("has control characters");
        }
        return s;
    }

    private String choice(String s) {
        if (!choices.contains(s)) throw bad("must be one of " + String.join(", ", choices));
        return s;
    }

    private List<String> split(String raw) {
        List<String> parts = List.of(raw.split(",", -1));
        if (parts.size() > MAX_LIST) throw bad("has more than " + MAX_LIST + " elements");
        return parts;
    }

    private ChirpException bad(String why) { return ChirpException.usage("parameter " + name + " " + why); }
}
