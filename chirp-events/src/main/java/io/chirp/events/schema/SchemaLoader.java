package io.chirp.events.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Compiles the OCSF schema source the way the schema server does, in its order:
 * <ol>
 *   <li>read each class/object file and resolve its {@code $include}s; attributes coming from a profile file are
 *       tagged with the profile's name (scoped {@code ext/name} in an extension), the including file's own
 *       definitions win ({@code "profile": null} there makes a profile attribute part of the class);</li>
 *   <li>apply extension patches (an extension item that {@code extends} a core item with no name of its own);</li>
 *   <li>resolve {@code extends} chains (parent attributes deep-merged under the child's; a null attribute removes
 *       an inherited one; profile lists concatenate);</li>
 *   <li>merge each attribute over its dictionary entry (type, array, enum, sibling), extension dictionary first;</li>
 *   <li>derive class_uid, category_uid and type_uid enums, and add {@code *_dt} attributes for the datetime profile.</li>
 * </ol>
 * Hidden items (classes without a uid, objects named {@code _x}) are only used as parents.
 */
final class SchemaLoader {
    private static final String INCLUDE = "$include";
    /** Tag on an attribute: the extension whose dictionary defines it first. Never reaches a compiled attribute. */
    private static final String SOURCE = "_chirp_source";

    private record Extension(String name, int uid, Path dir) {}

    private record Raw(String key, ObjectNode node, Extension ext) {}

    private record Category(int uid, String caption) {}

    private final Path home;
    private final Set<String> wanted;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<Path, ObjectNode> includes = new HashMap<>();
    private final Set<String> profileNames = new TreeSet<>();
    private final Map<String, ObjectNode> extDictionaries = new HashMap<>();
    private ObjectNode dictionary;
    private Map<String, DataType> types;
    private Set<String> objectNames;

    SchemaLoader(Path home, Set<String> wanted) {
        this.home = home;
        this.wanted = wanted;
    }

    OcsfSchema load() {
        if (!Files.isRegularFile(home.resolve("dictionary.json"))) {
            throw ChirpException.notFound("not an OCSF schema source folder (no dictionary.json): " + home);
        }
        List<Extension> exts = extensions();
        dictionary = attributesOf(read(home.resolve("dictionary.json")));
        ObjectNode typeDefs = read(home.resolve("dictionary.json")).get("types") instanceof ObjectNode t
                ? attributesOf(t) : JsonNodeFactory.instance.objectNode();
        Map<String, Category> categories = categories(home.resolve("categories.json"), null);
        for (Extension e : exts) {
            Path d = e.dir().resolve("dictionary.json");
            if (Files.isRegularFile(d)) {
                ObjectNode extDict = read(d);
                extDictionaries.put(e.name(), attributesOf(extDict));
                if (extDict.get("types") instanceof ObjectNode t) typeDefs = DeepMerge.merge(typeDefs, attributesOf(t));
            }
            categories.putAll(categories(e.dir().resolve("categories.json"), e));
        }
        types = DataTypes.parse(typeDefs);
        profileNames.addAll(profiles(home.resolve("profiles"), null));
        for (Extension e : exts) profileNames.addAll(profiles(e.dir().resolve("profiles"), e));

        Map<String, ObjectNode> objects = resolveExtends(readItems("objects", exts));
        objectNames = new TreeSet<>();
        for (String k : objects.keySet()) if (!k.startsWith("_") && !k.contains("/_")) objectNames.add(k);
        Map<String, ObjectDef> compiledObjects = new LinkedHashMap<>();
        for (String k : objectNames) {
            ObjectNode o = objects.get(k);
            compiledObjects.put(k, new ObjectDef(k, o.path("caption").asText(k), attributes(o), constraints(o),
                    strings(o.get("profiles"))));
        }

        Map<String, Raw> rawClasses = readItems("events", exts);
        Map<String, ObjectNode> classes = resolveExtends(rawClasses);
        Map<String, ClassDef> compiledClasses = new LinkedHashMap<>();
        for (Map.Entry<String, ObjectNode> e : classes.entrySet()) {
            ObjectNode c = e.getValue();
            boolean base = e.getKey().equals("base_event");
            if (!base && !c.hasNonNull("uid")) continue; // hidden intermediate class (system, network, finding...)
            compiledClasses.put(e.getKey(), compileClass(e.getKey(), c, rawClasses.get(e.getKey()).ext(),
                    categories));
        }
        return new OcsfSchema(version(exts), compiledClasses, compiledObjects, types, profileNames);
    }

    // ---- classes -------------------------------------------------------------------------------------------

    private ClassDef compileClass(String key, ObjectNode c, Extension ext, Map<String, Category> categories) {
        String caption = c.path("caption").asText(key);
        String catName = c.path("category").asText("other");
        Category cat = ext != null && categories.containsKey(ext.name() + "/" + catName)
                ? categories.get(ext.name() + "/" + catName) : categories.get(catName);
        int catUid = cat == null ? 0 : cat.uid();
        int uid = c.path("uid").asInt(0);
        // Extension classes live in the extension's uid space: (ext * 100 + category) * 1000 + uid.
        int scopedCat = ext != null && catUid < 100 ? ext.uid() * 100 + catUid : catUid;
        int classUid = scopedCat * 1000 + uid;

        Map<String, Attribute> attrs = new LinkedHashMap<>(attributes(c));
        attrs.computeIfPresent("class_uid", (n, a) -> withEnum(a, Map.of(Integer.toString(classUid), caption)));
        if (cat != null) {
            attrs.computeIfPresent("category_uid", (n, a) ->
                    withEnum(a, Map.of(Integer.toString(catUid), cat.caption())));
        }
        Attribute activity = attrs.get("activity_id");
        if (activity != null && attrs.containsKey("type_uid")) {
            Map<String, String> typeEnum = new LinkedHashMap<>();
            typeEnum.put(Long.toString(classUid * 100L), caption + ": Unknown");
            for (Map.Entry<String, String> v : activity.enumCaptions().entrySet()) {
                typeEnum.put(Long.toString(classUid * 100L + Long.parseLong(v.getKey())), caption + ": " + v.getValue());
            }
            attrs.computeIfPresent("type_uid", (n, a) -> withEnum(a, typeEnum));
        }
        return new ClassDef(key, caption, classUid, catUid, cat == null ? "Other" : cat.caption(), attrs,
                constraints(c), strings(c.get("profiles")));
    }

    private static Attribute withEnum(Attribute a, Map<String, String> values) {
        return new Attribute(a.name(), a.type(), a.objectType(), a.array(), a.requirement(), values, a.sibling(),
                a.profiles());
    }

    // ---- attributes ----------------------------------------------------------------------------------------

    private Map<String, Attribute> attributes(ObjectNode item) {
        Map<String, Attribute> out = new LinkedHashMap<>();
        JsonNode attrs = item.get("attributes");
        if (attrs == null) return out;
        for (Map.Entry<String, JsonNode> e : attrs.properties()) {
            if (!(e.getValue() instanceof ObjectNode a)) continue;
            out.put(e.getKey(), attribute(e.getKey(), a));
        }
        if (profileNames.contains("datetime")) {
            // The datetime profile adds a string twin "<name>_dt" (RFC 3339) to every timestamp attribute.
            for (Attribute a : List.copyOf(out.values())) {
                if (a.type().equals("timestamp_t") && !out.containsKey(a.name() + "_dt")) {
                    out.put(a.name() + "_dt", new Attribute(a.name() + "_dt", "datetime_t", null, a.array(),
                            Requirement.OPTIONAL, Map.of(), null, Set.of("datetime")));
                }
            }
        }
        return out;
    }

    private Attribute attribute(String name, ObjectNode own) {
        String source = own.path(SOURCE).asText(null);
        JsonNode dict = source != null && extDictionaries.containsKey(source)
                ? extDictionaries.get(source).get(name) : null;
        if (dict == null) dict = dictionary.get(name);
        if (dict == null) {
            throw ChirpException.corrupt("OCSF schema: attribute '" + name + "' is not in the dictionary");
        }
        ObjectNode m = DeepMerge.merge((ObjectNode) dict, own);
        String type = m.path("type").asText("string_t");
        String objectType = null;
        if (!types.containsKey(type)) {
            if (source != null && objectNames.contains(source + "/" + type)) objectType = source + "/" + type;
            else if (objectNames.contains(type)) objectType = type;
            else throw ChirpException.corrupt("OCSF schema: attribute '" + name + "' has unknown type '" + type + "'");
        }
        Map<String, String> enums = new LinkedHashMap<>();
        JsonNode en = m.get("enum");
        if (en != null) for (Map.Entry<String, JsonNode> v : en.properties()) {
            enums.put(v.getKey(), v.getValue().path("caption").asText(v.getKey()));
        }
        Set<String> profiles = new LinkedHashSet<>();
        JsonNode p = m.get("profile");
        if (p != null && p.isTextual()) profiles.add(p.asText());
        else if (p != null && p.isArray()) p.forEach(x -> profiles.add(x.asText()));
        return new Attribute(name, type, objectType, m.path("is_array").asBoolean(false),
                Requirement.of(m.path("requirement").asText(null)), enums, m.path("sibling").asText(null), profiles);
    }

    private static Constraints constraints(ObjectNode item) {
        JsonNode c = item.get("constraints");
        if (c == null || !c.isObject()) return Constraints.NONE;
        return new Constraints(strings(c.get("at_least_one")), strings(c.get("just_one")));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null && array.isArray()) array.forEach(n -> out.add(n.asText()));
        return out;
    }

    // ---- reading items, includes, patches, extends ---------------------------------------------------------

    private Map<String, Raw> readItems(String dirName, List<Extension> exts) {
        Map<String, Raw> items = new LinkedHashMap<>();
        for (Path f : jsonFiles(home.resolve(dirName))) {
            ObjectNode n = resolveIncludes(read(f), null);
            items.put(n.path("name").asText(), new Raw(n.path("name").asText(), n, null));
        }
        for (Extension e : exts) {
            for (Path f : jsonFiles(e.dir().resolve(dirName))) {
                ObjectNode n = resolveIncludes(read(f), e);
                tagSource(n, e);
                String extendsName = n.path("extends").asText(null);
                String name = n.path("name").asText(null);
                boolean patch = extendsName != null && (name == null || name.equals(extendsName)
                        || name.equals(descope(extendsName)));
                if (patch) patch(items, descope(extendsName), n, f);
                else items.put(e.name() + "/" + name, new Raw(e.name() + "/" + name, n, e));
            }
        }
        return items;
    }

    private static String descope(String name) {
        int i = name.indexOf('/');
        return i < 0 ? name : name.substring(i + 1);
    }

    private static void tagSource(ObjectNode item, Extension e) {
        JsonNode attrs = item.get("attributes");
        if (attrs != null) for (Map.Entry<String, JsonNode> a : attrs.properties()) {
            if (a.getValue() instanceof ObjectNode o) o.put(SOURCE, e.name());
        }
    }

    /** An extension item with the name of a core item adds attributes and profiles to that item in place. */
    private void patch(Map<String, Raw> items, String baseKey, ObjectNode patch, Path file) {
        Raw base = items.get(baseKey);
        if (base == null) throw ChirpException.corrupt("OCSF schema: " + file + " patches unknown item " + baseKey);
        ObjectNode merged = base.node().deepCopy();
        ObjectNode baseAttrs = (ObjectNode) base.node().get("attributes");
        ObjectNode patchAttrs = (ObjectNode) patch.get("attributes");
        ObjectNode attrs = DeepMerge.merge(baseAttrs, patchAttrs);
        if (baseAttrs != null && patchAttrs != null) {
            // Two extensions (linux, macos) may bring the same attribute with different profiles: keep both,
            // and never turn an attribute of the core item into a profile-only one.
            for (Map.Entry<String, JsonNode> a : patchAttrs.properties()) {
                JsonNode before = baseAttrs.get(a.getKey());
                if (before == null || !(attrs.get(a.getKey()) instanceof ObjectNode out)) continue;
                JsonNode bp = before.get("profile");
                if (bp == null || bp.isNull()) out.remove("profile");
                else if (a.getValue().hasNonNull("profile") && !bp.equals(a.getValue().get("profile"))) {
                    ArrayNode both = out.arrayNode();
                    addAll(both, bp);
                    addAll(both, a.getValue().get("profile"));
                    out.set("profile", both);
                }
            }
        }
        merged.set("attributes", attrs);
        Set<String> profiles = new LinkedHashSet<>(strings(base.node().get("profiles")));
        profiles.addAll(strings(patch.get("profiles")));
        ArrayNode pa = merged.putArray("profiles");
        profiles.forEach(pa::add);
        if (patch.has("constraints")) merged.set("constraints", patch.get("constraints"));
        items.put(baseKey, new Raw(baseKey, merged, base.ext()));
    }

    private static void addAll(ArrayNode into, JsonNode values) {
        if (values.isArray()) values.forEach(into::add);
        else into.add(values);
    }

    private Map<String, ObjectNode> resolveExtends(Map<String, Raw> items) {
        Map<String, ObjectNode> done = new LinkedHashMap<>();
        for (String k : items.keySet()) resolve(k, items, done, new LinkedHashSet<>());
        return done;
    }

    private ObjectNode resolve(String key, Map<String, Raw> items, Map<String, ObjectNode> done, Set<String> path) {
        ObjectNode cached = done.get(key);
        if (cached != null) return cached;
        if (!path.add(key)) throw ChirpException.corrupt("OCSF schema: extends cycle " + path);
        Raw raw = items.get(key);
        ObjectNode item = raw.node();
        String parentName = item.path("extends").asText(null);
        ObjectNode out = item;
        if (parentName != null) {
            String parentKey = raw.ext() != null && items.containsKey(raw.ext().name() + "/" + parentName)
                    ? raw.ext().name() + "/" + parentName : parentName;
            if (!items.containsKey(parentKey)) {
                throw ChirpException.corrupt("OCSF schema: " + key + " extends unknown " + parentName);
            }
            ObjectNode parent = resolve(parentKey, items, done, path);
            out = parent.deepCopy();
            for (Map.Entry<String, JsonNode> e : item.properties()) {
                if (!e.getKey().equals("attributes") && !e.getKey().equals("profiles")) out.set(e.getKey(), e.getValue());
            }
            ObjectNode attrs = DeepMerge.merge((ObjectNode) parent.get("attributes"), (ObjectNode) item.get("attributes"));
            List<String> nulls = new ArrayList<>();
            for (Map.Entry<String, JsonNode> a : attrs.properties()) if (a.getValue().isNull()) nulls.add(a.getKey());
            attrs.remove(nulls);
            out.set("attributes", attrs);
            Set<String> profiles = new LinkedHashSet<>(strings(parent.get("profiles")));
            profiles.addAll(strings(item.get("profiles")));
            ArrayNode pa = out.putArray("profiles");
            profiles.forEach(pa::add);
        }
        path.remove(key);
        done.put(key, out);
        return out;
    }

    private ObjectNode resolveIncludes(ObjectNode item, Extension ext) {
        if (!(item.get("attributes") instanceof ObjectNode attrs)) return item;
        ObjectNode own = attrs.deepCopy();
        own.remove(INCLUDE);
        ObjectNode merged = own;
        JsonNode inc = attrs.get(INCLUDE);
        if (inc != null) {
            List<String> files = inc.isArray() ? strings(inc) : List.of(inc.asText());
            for (String file : files) merged = DeepMerge.merge(attributesOf(included(file, ext)), merged);
        }
        // An attribute may pull its enum from a shared file.
        for (Map.Entry<String, JsonNode> a : List.copyOf(merged.properties())) {
            if (a.getValue() instanceof ObjectNode ao && ao.has(INCLUDE)) {
                ObjectNode rest = ao.deepCopy();
                rest.remove(INCLUDE);
                merged.set(a.getKey(), DeepMerge.merge(included(ao.get(INCLUDE).asText(), ext), rest));
            }
        }
        ObjectNode out = item.deepCopy();
        out.set("attributes", merged);
        return out;
    }

    private ObjectNode included(String file, Extension ext) {
        Path path = ext != null && Files.isRegularFile(ext.dir().resolve(file)) ? ext.dir().resolve(file)
                : home.resolve(file);
        Extension owner = ext != null && path.startsWith(ext.dir()) ? ext : null;
        ObjectNode cached = includes.get(path);
        if (cached != null) return cached;
        if (!Files.isRegularFile(path)) throw ChirpException.corrupt("OCSF schema: included file not found: " + path);
        ObjectNode data = resolveIncludes(read(path), owner);
        if ("profile".equals(data.path("meta").asText()) && data.get("attributes") instanceof ObjectNode attrs) {
            String profile = owner == null ? data.path("name").asText() : owner.name() + "/" + data.path("name").asText();
            ObjectNode annotations = data.get("annotations") instanceof ObjectNode an ? an : attrs.objectNode();
            ObjectNode tagged = attrs.objectNode();
            for (Map.Entry<String, JsonNode> a : attrs.properties()) {
                ObjectNode copy = ((ObjectNode) a.getValue()).deepCopy();
                copy.put("profile", profile);
                tagged.set(a.getKey(), DeepMerge.merge(annotations, copy));
            }
            data.set("attributes", tagged);
        }
        includes.put(path, data);
        return data;
    }

    // ---- files ---------------------------------------------------------------------------------------------

    private List<Extension> extensions() {
        Path dir = home.resolve("extensions");
        List<Extension> out = new ArrayList<>();
        for (Path f : jsonFiles(dir)) {
            if (!f.getFileName().toString().equals("extension.json")) continue;
            ObjectNode e = read(f);
            String name = e.path("name").asText();
            if (wanted == null || wanted.contains(name)) out.add(new Extension(name, e.path("uid").asInt(), f.getParent()));
        }
        if (wanted != null) {
            Set<String> missing = new TreeSet<>(wanted);
            out.forEach(e -> missing.remove(e.name()));
            if (!missing.isEmpty()) throw ChirpException.notFound("OCSF extensions not found in " + dir + ": " + missing);
        }
        out.sort((a, b) -> Integer.compare(a.uid(), b.uid()));
        return out;
    }

    private String version(List<Extension> exts) {
        Path v = home.resolve("version.json");
        if (Files.isRegularFile(v)) return read(v).path("version").asText();
        // The source tree of a tagged release carries no version.json; its extensions are versioned with it.
        for (Path f : jsonFiles(home.resolve("extensions"))) {
            if (f.getFileName().toString().equals("extension.json") && read(f).hasNonNull("version")) {
                return read(f).path("version").asText();
            }
        }
        throw ChirpException.corrupt("OCSF schema: cannot tell the schema version of " + home
                + " (no version.json, no versioned extension)");
    }

    private Map<String, Category> categories(Path file, Extension ext) {
        Map<String, Category> out = new HashMap<>();
        if (!Files.isRegularFile(file)) return out;
        for (Map.Entry<String, JsonNode> c : attributesOf(read(file)).properties()) {
            int uid = c.getValue().path("uid").asInt();
            String key = ext == null ? c.getKey() : ext.name() + "/" + c.getKey();
            out.put(key, new Category(ext == null ? uid : ext.uid() * 100 + uid, c.getValue().path("caption").asText()));
        }
        return out;
    }

    private Set<String> profiles(Path dir, Extension ext) {
        Set<String> out = new TreeSet<>();
        for (Path f : jsonFiles(dir)) {
            String name = read(f).path("name").asText();
            out.add(ext == null ? name : ext.name() + "/" + name);
        }
        return out;
    }

    private static ObjectNode attributesOf(ObjectNode n) {
        return n.get("attributes") instanceof ObjectNode a ? a : JsonNodeFactory.instance.objectNode();
    }

    private static List<Path> jsonFiles(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw ChirpException.io("cannot list OCSF schema folder " + dir, e);
        }
    }

    private ObjectNode read(Path file) {
        try {
            JsonNode n = mapper.readTree(file.toFile());
            if (!(n instanceof ObjectNode o)) throw ChirpException.corrupt("OCSF schema file is not an object: " + file);
            return o;
        } catch (IOException e) {
            throw new ChirpException(ChirpException.Kind.CORRUPT, "cannot read OCSF schema file " + file + ": "
                    + e.getMessage(), e);
        }
    }
}
