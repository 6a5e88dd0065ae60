package io.chirp.detect.rule;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.detect.Level;
import io.chirp.detect.LogSource;
import io.chirp.detect.RuleException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Turns one YAML document (as a Jackson tree) into a {@link SigmaRule}, checking its shape on the way: every
 * problem is a {@link RuleException} naming the part of the rule at fault. Rules are untrusted input: sizes are
 * bounded here so that a hostile rule cannot make the compiler do unbounded work.
 */
public final class RuleParser {
    /** More search identifiers than any real rule has; bounds "1 of them" expansion. */
    static final int MAX_SEARCHES = 256;
    /** Values in one field condition; SigmaHQ's largest lists have a few hundred. */
    static final int MAX_VALUES = 4096;
    /** Length of one value or condition; longer ones are not rules but payloads. */
    static final int MAX_TEXT = 8192;

    private RuleParser() { }

    /** {@return the rule in {@code doc}} @throws RuleException if it is not a usable Sigma rule */
    public static SigmaRule parse(JsonNode doc, String source) {
        if (doc == null || !doc.isObject()) throw new RuleException("a rule must be a YAML mapping");
        if (doc.has("correlation")) throw new RuleException("correlation rules are not supported");
        String title = requiredText(doc, "title");
        JsonNode ls = doc.get("logsource");
        if (ls == null || !ls.isObject()) throw new RuleException("logsource is missing or not a mapping");
        LogSource logSource = new LogSource(text(ls, "category"), text(ls, "product"), text(ls, "service"));
        JsonNode det = doc.get("detection");
        if (det == null || !det.isObject()) throw new RuleException("detection is missing or not a mapping");
        String levelText = text(doc, "level");
        Level level = Level.parse(levelText);
        if (levelText != null && level == null) throw new RuleException("unknown level '" + levelText + "'");
        return new SigmaRule(title, text(doc, "id"), text(doc, "status"), text(doc, "description"),
                texts(doc, "references"), text(doc, "author"), text(doc, "date"), text(doc, "modified"),
                texts(doc, "tags"), logSource, detection(det), texts(doc, "falsepositives"), level,
                texts(doc, "fields"), source);
    }

    private static SigmaDetection detection(JsonNode det) {
        SequencedMap<String, Search> searches = new LinkedHashMap<>();
        List<String> conditions = new ArrayList<>();
        String timeframe = null;
        for (Map.Entry<String, JsonNode> e : det.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            switch (name) {
                case "condition" -> conditions.addAll(conditionList(v));
                case "timeframe" -> timeframe = v.asText();
                default -> {
                    if (searches.size() >= MAX_SEARCHES) throw new RuleException("more than " + MAX_SEARCHES + " search identifiers");
                    if (!name.matches("[A-Za-z0-9_.\\-]+")) throw new RuleException("search identifier '" + name + "' has characters a condition cannot name");
                    searches.put(name, search(name, v));
                }
            }
        }
        if (conditions.isEmpty()) throw new RuleException("detection has no condition");
        if (searches.isEmpty()) throw new RuleException("detection has no search identifiers");
        return new SigmaDetection(searches, conditions, timeframe);
    }

    private static List<String> conditionList(JsonNode v) {
        List<String> out = new ArrayList<>();
        if (v.isTextual()) out.add(v.asText());
        else if (v.isArray()) for (JsonNode c : v) {
            if (!c.isTextual()) throw new RuleException("condition list holds a non-string");
            out.add(c.asText());
        }
        else throw new RuleException("condition must be a string or a list of strings");
        for (String c : out) if (c.length() > MAX_TEXT) throw new RuleException("condition longer than " + MAX_TEXT + " characters");
        return out;
    }

    private static Search search(String name, JsonNode v) {
        if (v.isObject()) return new Search(name, List.of(fieldMap(name, v)));
        if (v.isArray()) {
            if (v.isEmpty()) throw new RuleException("search '" + name + "' is an empty list");
            boolean maps = v.get(0).isObject();
            List<List<FieldSpec>> alternatives = new ArrayList<>();
            List<Object> keywords = new ArrayList<>();
            for (JsonNode item : v) {
                if (item.isObject() != maps) throw new RuleException("search '" + name + "' mixes maps and plain values");
                if (maps) alternatives.add(fieldMap(name, item));
                else keywords.add(scalar(name, item));
            }
            if (!maps) alternatives.add(List.of(new FieldSpec(name, null, List.of(), bounded(name, keywords))));
            return new Search(name, alternatives);
        }
        if (v.isValueNode() && !v.isNull()) {
            return new Search(name, List.of(List.of(new FieldSpec(name, null, List.of(), List.of(scalar(name, v))))));
        }
        throw new RuleException("search '" + name + "' must be a map, a list of maps or a list of keywords");
    }

    private static List<FieldSpec> fieldMap(String name, JsonNode map) {
        if (map.isEmpty()) throw new RuleException("search '" + name + "' has an empty map");
        List<FieldSpec> specs = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            String key = e.getKey();
            String[] parts = key.split("\\|", -1);
            String field = parts[0].strip();
            List<String> mods = new ArrayList<>();
            for (String m : Arrays.asList(parts).subList(1, parts.length)) {
                if (m.isBlank()) throw new RuleException("search '" + name + "': empty modifier in '" + key + "'");
                mods.add(m.strip().toLowerCase(Locale.ROOT));
            }
            List<Object> values = new ArrayList<>();
            JsonNode v = e.getValue();
            if (v.isArray()) {
                if (v.isEmpty()) throw new RuleException("search '" + name + "': '" + key + "' has an empty value list");
                for (JsonNode item : v) values.add(scalar(name, item));
            } else {
                values.add(scalar(name, v));
            }
            specs.add(new FieldSpec(key, field.isEmpty() ? null : field, mods, bounded(name, values)));
        }
        return specs;
    }

    private static List<Object> bounded(String name, List<Object> values) {
        if (values.size() > MAX_VALUES) throw new RuleException("search '" + name + "' has more than " + MAX_VALUES + " values");
        return values;
    }

    private static Object scalar(String name, JsonNode v) {
        if (v == null || v.isNull()) return null;
        if (v.isTextual()) {
            if (v.asText().length() > MAX_TEXT) throw new RuleException("search '" + name + "' has a value longer than " + MAX_TEXT);
            return v.asText();
        }
        if (v.isBoolean()) return v.booleanValue();
        if (v.isIntegralNumber()) return v.canConvertToLong() ? (Object) v.longValue() : v.asText();
        if (v.isNumber()) return v.doubleValue();
        throw new RuleException("search '" + name + "' has a nested " + v.getNodeType().name().toLowerCase(Locale.ROOT)
                + " where a value belongs");
    }

    private static String requiredText(JsonNode doc, String key) {
        String s = text(doc, key);
        if (s == null || s.isBlank()) throw new RuleException(key + " is missing");
        return s;
    }

    private static String text(JsonNode doc, String key) {
        JsonNode v = doc.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isValueNode()) throw new RuleException(key + " must be a single value");
        return v.asText();
    }

    private static List<String> texts(JsonNode doc, String key) {
        JsonNode v = doc.get(key);
        if (v == null || v.isNull()) return List.of();
        if (v.isValueNode()) return List.of(v.asText());
        if (!v.isArray()) throw new RuleException(key + " must be a list");
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isValueNode()) throw new RuleException(key + " must be a list of strings");
            if (!item.isNull()) out.add(item.asText());
        }
        return out;
    }
}
