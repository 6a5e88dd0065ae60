package io.chirp.events.validate;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.events.schema.Attribute;
import io.chirp.events.schema.ClassDef;
import io.chirp.events.schema.Constraints;
import io.chirp.events.schema.DataType;
import io.chirp.events.schema.OcsfSchema;
import io.chirp.events.schema.Structure;
import io.chirp.events.validate.Violation.Kind;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates event JSON against an OCSF class. Thread-safe; one instance per schema is enough.
 *
 * <p>Attributes brought in by a profile count only when the event names that profile in
 * {@code metadata.profiles}, as in the schema server; using one without declaring it is reported as
 * {@link Kind#ATTRIBUTE_NEEDS_PROFILE}. Nested objects are checked recursively down to {@code maxDepth} levels,
 * so a hostile or runaway document cannot exhaust the stack.
 */
public final class EventValidator {
    /** Default object nesting limit; OCSF events in practice stay well under 10 levels. */
    public static final int DEFAULT_MAX_DEPTH = 16;

    private final OcsfSchema schema;
    private final int maxDepth;

    public EventValidator(OcsfSchema schema) { this(schema, DEFAULT_MAX_DEPTH); }

    public EventValidator(OcsfSchema schema, int maxDepth) {
        if (maxDepth < 1) throw new IllegalArgumentException("maxDepth must be positive");
        this.schema = schema;
        this.maxDepth = maxDepth;
    }

    /** {@return the schema events are validated against} */
    public OcsfSchema schema() { return schema; }

    /** {@return the report for an event validated against the class its own class_uid names} */
    public ValidationReport validate(JsonNode event) {
        JsonNode uid = event.get("class_uid");
        if (uid == null || !uid.canConvertToInt() || !uid.isIntegralNumber()) {
            return new ValidationReport(List.of(new Violation(uid == null ? Kind.REQUIRED_MISSING : Kind.WRONG_TYPE,
                    "class_uid", "class_uid must be an integer naming an OCSF class")), List.of());
        }
        return validate(event, uid.asInt());
    }

    /** {@return the report for an event validated against class {@code classUid}} */
    public ValidationReport validate(JsonNode event, int classUid) {
        Run run = new Run();
        ClassDef cls = schema.classByUid(classUid).orElse(null);
        if (cls == null) {
            run.error(Kind.CLASS_UNKNOWN, "class_uid", "no OCSF " + schema.version() + " class has uid " + classUid);
            return run.report();
        }
        if (!event.isObject()) {
            run.error(Kind.WRONG_TYPE, "", "an event must be a JSON object");
            return run.report();
        }
        JsonNode declared = event.get("class_uid");
        if (declared != null && declared.isIntegralNumber() && declared.asLong() != classUid) {
            run.error(Kind.CLASS_MISMATCH, "class_uid", "event says class_uid " + declared.asText()
                    + " but is validated as " + cls.name() + " (" + classUid + ")");
        }
        run.profiles = profiles(run, event);
        run.structure(event, "", cls, 0);
        checkTypeUid(run, event);
        checkVersion(run, event);
        return run.report();
    }

    private Set<String> profiles(Run run, JsonNode event) {
        Set<String> out = new HashSet<>();
        JsonNode list = event.path("metadata").path("profiles");
        if (!list.isArray()) return out;
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            if (!p.isTextual()) continue; // reported as a wrong type by the metadata check
            if (!schema.hasProfile(p.asText())) {
                run.error(Kind.PROFILE_UNKNOWN, "metadata.profiles[" + i + "]", "no profile named '" + p.asText() + "'");
            }
            out.add(p.asText());
        }
        return out;
    }

    private static void checkTypeUid(Run run, JsonNode event) {
        JsonNode c = event.get("class_uid"), a = event.get("activity_id"), t = event.get("type_uid");
        if (c == null || a == null || t == null || !c.isIntegralNumber() || !a.isIntegralNumber()
                || !t.isIntegralNumber()) return; // missing or mistyped: reported by the attribute checks
        long expected = c.asLong() * 100 + a.asLong();
        if (t.asLong() != expected) {
            run.error(Kind.TYPE_UID_INCORRECT, "type_uid", "type_uid " + t.asText() + " is not class_uid * 100 + "
                    + "activity_id = " + expected);
        }
    }

    private void checkVersion(Run run, JsonNode event) {
        JsonNode v = event.path("metadata").path("version");
        if (v.isTextual() && !v.asText().equals(schema.version())) {
            run.warning(Kind.VERSION_INCORRECT, "metadata.version", "event claims OCSF " + v.asText()
                    + ", validated against " + schema.version());
        }
    }

    /** The state of one validation. */
    private final class Run {
        final List<Violation> errors = new ArrayList<>();
        final List<Violation> warnings = new ArrayList<>();
        Set<String> profiles = Set.of();

        void error(Kind k, String path, String msg) { errors.add(new Violation(k, path, msg)); }

        void warning(Kind k, String path, String msg) { warnings.add(new Violation(k, path, msg)); }

        ValidationReport report() { return new ValidationReport(errors, warnings); }

        void structure(JsonNode item, String path, Structure def, int depth) {
            Map<String, Attribute> attrs = def.attributes();
            for (Attribute a : attrs.values()) {
                if (!a.activeFor(profiles)) continue;
                JsonNode v = item.get(a.name());
                String p = join(path, a.name());
                if (v == null || v.isNull()) {
                    switch (a.requirement()) {
                        case REQUIRED -> error(Kind.REQUIRED_MISSING, p, "required attribute is missing");
                        case RECOMMENDED -> warning(Kind.RECOMMENDED_MISSING, p, "recommended attribute is missing");
                        case OPTIONAL -> { }
                    }
                    continue;
                }
                if (a.array()) {
                    if (!v.isArray()) {
                        error(Kind.WRONG_TYPE, p, "expected an array of " + a.type() + ", got " + kindOf(v));
                        continue;
                    }
                    for (int i = 0; i < v.size(); i++) value(v.get(i), p + "[" + i + "]", a, depth);
                } else {
                    value(v, p, a, depth);
                }
                if (a.hasEnum()) enumValues(item, v, path, a);
            }
            if (!attrs.isEmpty()) { // an object without attributes (unmapped, xattributes) is open-ended
                for (Map.Entry<String, JsonNode> f : item.properties()) {
                    Attribute a = attrs.get(f.getKey());
                    if (a == null) {
                        error(Kind.ATTRIBUTE_UNKNOWN, join(path, f.getKey()), "'" + f.getKey() + "' is not an attribute of "
                                + def.name());
                    } else if (!a.activeFor(profiles)) {
                        error(Kind.ATTRIBUTE_NEEDS_PROFILE, join(path, f.getKey()), "'" + f.getKey()
                                + "' needs profile " + a.profiles() + " in metadata.profiles");
                    }
                }
            }
            constraints(item, path, def);
        }

        void value(JsonNode v, String path, Attribute a, int depth) {
            if (a.isObject()) {
                if (!v.isObject()) {
                    error(Kind.WRONG_TYPE, path, "expected a " + a.objectType() + " object, got " + kindOf(v));
                } else if (depth + 1 > maxDepth) {
                    error(Kind.DEPTH_EXCEEDED, path, "objects nested deeper than " + maxDepth + " levels");
                } else {
                    structure(v, path, schema.object(a.objectType()).orElseThrow(), depth + 1);
                }
                return;
            }
            DataType t = schema.type(a.type()).orElseThrow();
            String expected = t.name().equals(t.primitive()) ? t.name() : t.name() + " (" + t.primitive() + ")";
            boolean ok = switch (t.primitive()) {
                case "string_t" -> v.isTextual();
                case "integer_t" -> v.isIntegralNumber() && v.canConvertToInt();
                case "long_t" -> v.isIntegralNumber() && v.canConvertToLong();
                case "float_t" -> v.isFloatingPointNumber();
                case "boolean_t" -> v.isBoolean();
                default -> true; // json_t: any JSON value
            };
            if (!ok) {
                error(Kind.WRONG_TYPE, path, "expected " + expected + ", got " + kindOf(v));
                return;
            }
            if (v.isTextual()) {
                String s = v.asText();
                if (t.maxLength() > 0 && s.length() > t.maxLength()) {
                    error(Kind.VALUE_INVALID, path, "longer than " + t.maxLength() + " characters for " + t.name());
                }
                if (t.regex() != null && !t.regex().matcher(s).find()) {
                    error(Kind.VALUE_INVALID, path, "not a valid " + t.name());
                }
            }
            long[] range = t.range();
            if (range != null && v.isNumber() && (v.asDouble() < range[0] || v.asDouble() > range[1])) {
                error(Kind.VALUE_INVALID, path, "outside " + t.name() + " range " + range[0] + ".." + range[1]);
            }
            if (!t.values().isEmpty() && v.isBoolean() && !t.values().contains(v.asBoolean())) {
                error(Kind.VALUE_INVALID, path, "not an allowed " + t.name() + " value");
            }
        }

        void enumValues(JsonNode item, JsonNode v, String parent, Attribute a) {
            String p = join(parent, a.name());
            if (v.isArray()) {
                for (int i = 0; i < v.size(); i++) {
                    if (v.get(i).isValueNode() && !a.enumCaptions().containsKey(v.get(i).asText())) {
                        error(Kind.ENUM_VALUE_UNKNOWN, p + "[" + i + "]", "value " + v.get(i) + " is not in the enum");
                    }
                }
                return;
            }
            if (!v.isValueNode()) return; // a wrong type, already reported
            String caption = a.enumCaptions().get(v.asText());
            if (caption == null) {
                error(Kind.ENUM_VALUE_UNKNOWN, p, "value " + v + " is not one of " + a.enumCaptions().keySet());
                return;
            }
            JsonNode sibling = a.sibling() == null ? null : item.get(a.sibling());
            if (sibling == null || !sibling.isTextual()) return;
            boolean other = v.asText().equals("99");
            // For 99 (Other) the sibling carries the source's own term, so it should not just repeat "Other".
            if (other == sibling.asText().equals(caption)) {
                warning(Kind.ENUM_SIBLING_INCORRECT, join(parent, a.sibling()), other
                        ? "sibling of 99 should hold the source's value, not '" + caption + "'"
                        : "sibling is '" + sibling.asText() + "' but the caption of " + v.asText() + " is '" + caption + "'");
            }
        }

        void constraints(JsonNode item, String path, Structure def) {
            Constraints c = def.constraints();
            if (!c.atLeastOne().isEmpty() && c.atLeastOne().stream().noneMatch(k -> present(item, k))) {
                error(Kind.CONSTRAINT_FAILED, path, def.name() + " needs at least one of " + c.atLeastOne());
            }
            if (!c.justOne().isEmpty() && c.justOne().stream().filter(k -> present(item, k)).count() != 1) {
                error(Kind.CONSTRAINT_FAILED, path, def.name() + " needs exactly one of " + c.justOne());
            }
        }
    }

    private static boolean present(JsonNode item, String key) {
        JsonNode v = item.get(key);
        return v != null && !v.isNull();
    }

    private static String join(String path, String name) { return path.isEmpty() ? name : path + "." + name; }

    private static String kindOf(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> v.isIntegralNumber() ? (v.canConvertToLong() ? "an integer" : "an integer beyond 64 bits")
                    : "a float";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> v.getNodeType().name().toLowerCase();
        };
    }
}
