package io.chirp.net.ocsf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A validator built from the OCSF schema files themselves (the repository layout of ocsf-schema): classes and
 * objects with their {@code extends} chains resolved, attribute types from the dictionary, profiles the event
 * declares in {@code metadata.profiles}. It checks required attributes, unknown attribute names, primitive types,
 * enum values and {@code at_least_one} constraints, recursively through objects.
 */
final class OcsfSchema {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;
    private final JsonNode dictionary;
    private final Map<String, Path> classes = new HashMap<>();

    OcsfSchema(Path root) {
        this.root = root;
        this.dictionary = read(root.resolve("dictionary.json")).path("attributes");
        try (Stream<Path> s = Files.walk(root.resolve("events"))) {
            s.filter(p -> p.toString().endsWith(".json")).forEach(p -> classes.put(read(p).path("name").asText(), p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String version() { return read(root.resolve("version.json")).path("version").asText(); }

    /** {@return the class definition's uid (within its category)} */
    int classUid(String name) { return read(classes.get(name)).path("uid").asInt(-1); }

    int categoryUid(String category) { return read(root.resolve("categories.json")).path("attributes").path(category).path("uid").asInt(-1); }

    /** {@return the problems of {@code event} as an instance of class {@code className}; empty when valid} */
    List<String> validate(String className, JsonNode event) {
        List<String> problems = new ArrayList<>();
        Set<String> profiles = new HashSet<>();
        event.path("metadata").path("profiles").forEach(p -> profiles.add(p.asText()));
        Definition d = merged(classes.get(className), this::classFile, profiles);
        check("", d, event, problems, profiles);
        // The schema compiler, not the source files, fills these enums per class: check them from their definition.
        problems.removeIf(p -> p.startsWith("category_uid: ") || p.startsWith("class_uid: "));
        JsonNode def = read(classes.get(className));
        String category = def.path("category").asText(read(classes.get(def.path("extends").asText())).path("category").asText());
        int categoryUid = categoryUid(category);
        if (event.path("category_uid").asInt() != categoryUid) problems.add("category_uid: must be " + categoryUid);
        if (event.path("class_uid").asInt() != categoryUid * 1000 + classUid(className)) problems.add("class_uid: wrong for " + className);
        long typeUid = event.path("class_uid").asLong() * 100 + event.path("activity_id").asInt();
        if (event.path("type_uid").asLong() != typeUid) problems.add("type_uid: must be " + typeUid);
        return problems;
    }

    private record Definition(Map<String, JsonNode> attributes, List<JsonNode> constraints) {}

    private Path classFile(String name) { return classes.get(name); }

    private Path objectFile(String name) { return root.resolve("objects").resolve(name + ".json"); }

    /** Merges a definition with what it extends (the child wins) and the profiles it includes that are enabled. */
    private Definition merged(Path file, java.util.function.Function<String, Path> resolve, Set<String> profiles) {
        JsonNode def = read(file);
        Map<String, JsonNode> attrs = new LinkedHashMap<>();
        List<JsonNode> constraints = new ArrayList<>();
        if (def.hasNonNull("extends")) {
            Definition parent = merged(resolve.apply(def.get("extends").asText()), resolve, profiles);
            attrs.putAll(parent.attributes());
            constraints.addAll(parent.constraints());
        }
        JsonNode include = def.path("attributes").path("$include");
        for (JsonNode inc : include) {
            JsonNode profile = read(root.resolve(inc.asText()));
            if (!profiles.contains(profile.path("name").asText())) continue;
            profile.path("attributes").properties().forEach(en -> attrs.merge(en.getKey(), en.getValue(), OcsfSchema::overlay));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = def.path("attributes").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> en = it.next();
            if (!en.getKey().startsWith("$")) attrs.merge(en.getKey(), en.getValue(), OcsfSchema::overlay);
        }
        if (def.has("constraints")) {
            constraints.clear(); // a child's constraints replace its parent's
            constraints.add(def.get("constraints"));
        }
        return new Definition(attrs, constraints);
    }

    private static JsonNode overlay(JsonNode parent, JsonNode child) {
        ObjectNode o = parent.deepCopy();
        child.properties().forEach(en -> o.set(en.getKey(), en.getValue()));
        return o;
    }

    private void check(String path, Definition d, JsonNode value, List<String> problems, Set<String> profiles) {
        if (!value.isObject()) {
            problems.add(path + ": not an object");
            return;
        }
        d.attributes().forEach((name, a) -> {
            if ("required".equals(a.path("requirement").asText()) && !value.hasNonNull(name)) problems.add(path + name + ": required, missing");
        });
        for (JsonNode c : d.constraints()) {
            JsonNode any = c.path("at_least_one");
            if (any.isArray()) {
                boolean ok = false;
                for (JsonNode n : any) ok |= value.hasNonNull(n.asText());
                if (!ok) problems.add(path + ": needs at least one of " + any);
            }
        }
        value.properties().forEach(en -> {
            String name = en.getKey();
            JsonNode a = d.attributes().get(name);
            if (a == null) {
                problems.add(path + name + ": not an attribute here");
                return;
            }
            JsonNode dict = dictionary.path(name);
            String type = a.has("type") ? a.get("type").asText() : dict.path("type").asText();
            boolean array = a.has("is_array") ? a.get("is_array").asBoolean() : dict.path("is_array").asBoolean();
            JsonNode v = en.getValue();
            if (array) {
                if (!v.isArray()) problems.add(path + name + ": must be an array");
                else v.forEach(item -> checkValue(path + name + "[]", type, a, dict, item, problems, profiles));
            } else {
                checkValue(path + name, type, a, dict, v, problems, profiles);
            }
        });
    }

    private void checkValue(String path, String type, JsonNode a, JsonNode dict, JsonNode v, List<String> problems, Set<String> profiles) {
        switch (type) {
            case "integer_t", "long_t", "timestamp_t", "port_t" -> {
                if (!v.isIntegralNumber()) problems.add(path + ": " + type + " expected, got " + v);
            }
            case "string_t", "ip_t", "mac_t", "uuid_t", "datetime_t", "hostname_t", "url_t", "email_t", "file_name_t",
                 "subnet_t", "username_t", "resource_uid_t", "file_hash_t", "process_name_t" -> {
                if (!v.isTextual()) problems.add(path + ": " + type + " expected, got " + v);
            }
            case "boolean_t" -> {
                if (!v.isBoolean()) problems.add(path + ": boolean expected");
            }
            case "float_t" -> {
                if (!v.isNumber()) problems.add(path + ": number expected");
            }
            case "object", "json_t" -> { }
            default -> {
                Path obj = objectFile(type);
                if (Files.isRegularFile(obj)) check(path + ".", merged(obj, this::objectFile, profiles), v, problems, profiles);
                else problems.add(path + ": unknown type " + type);
            }
        }
        JsonNode en = a.has("enum") ? a.get("enum") : dict.path("enum");
        if (en.isObject() && !en.has(v.asText())) problems.add(path + ": " + v + " not in enum");
    }

    private static JsonNode read(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
