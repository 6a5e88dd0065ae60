package io.chirp.events.schema;

import io.chirp.core.ChirpException;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A compiled OCSF schema: event classes by uid and name, objects, data types and profile names. Immutable.
 * Load one with {@link #load(Path)} (core plus every extension found) or {@link #load(Path, Set)}.
 */
public final class OcsfSchema {
    private final String version;
    private final Map<Integer, ClassDef> classesByUid;
    private final Map<String, ClassDef> classesByName;
    private final Map<String, ObjectDef> objects;
    private final Map<String, DataType> types;
    private final Set<String> profiles;

    OcsfSchema(String version, Map<String, ClassDef> classes, Map<String, ObjectDef> objects,
               Map<String, DataType> types, Set<String> profiles) {
        this.version = version;
        this.classesByName = Map.copyOf(classes);
        Map<Integer, ClassDef> byUid = new TreeMap<>();
        for (ClassDef c : classes.values()) {
            ClassDef prev = byUid.put(c.uid(), c);
            if (prev != null) throw ChirpException.corrupt("OCSF classes " + prev.name() + " and " + c.name()
                    + " share class_uid " + c.uid());
        }
        this.classesByUid = Map.copyOf(byUid);
        this.objects = Map.copyOf(objects);
        this.types = Map.copyOf(types);
        this.profiles = Set.copyOf(profiles);
    }

    /** {@return the schema compiled from the source folder with every extension under its extensions/ folder} */
    public static OcsfSchema load(Path sourceDir) { return new SchemaLoader(sourceDir, null).load(); }

    /** {@return the schema compiled with only the named extensions (by extension name, e.g. "linux")} */
    public static OcsfSchema load(Path sourceDir, Set<String> extensions) {
        return new SchemaLoader(sourceDir, Set.copyOf(extensions)).load();
    }

    /** {@return the schema version, e.g. 1.8.0} */
    public String version() { return version; }

    /** {@return the class with this class_uid} */
    public Optional<ClassDef> classByUid(int uid) { return Optional.ofNullable(classesByUid.get(uid)); }

    /** {@return the class with this name, e.g. process_activity} */
    public Optional<ClassDef> classByName(String name) { return Optional.ofNullable(classesByName.get(name)); }

    /** {@return the compiled object with this name, e.g. process} */
    public Optional<ObjectDef> object(String name) { return Optional.ofNullable(objects.get(name)); }

    /** {@return the data type with this name, e.g. port_t} */
    public Optional<DataType> type(String name) { return Optional.ofNullable(types.get(name)); }

    /** {@return true if a profile with this name exists (extension profiles are scoped: linux/linux_users)} */
    public boolean hasProfile(String name) { return profiles.contains(name); }

    /** {@return every class, by class_uid} */
    public Map<Integer, ClassDef> classes() { return classesByUid; }

    /** {@return every profile name} */
    public Set<String> profiles() { return profiles; }
}
