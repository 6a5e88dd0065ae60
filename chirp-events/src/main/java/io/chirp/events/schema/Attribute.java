package io.chirp.events.schema;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One attribute of a class or object after compilation: the class's own definition merged over the dictionary's.
 *
 * @param name        attribute name as it appears in an event
 * @param type        a data type name ({@code string_t}, {@code timestamp_t}, ...) or, when {@link #objectType()}
 *                    is set, the dictionary's type name of the object
 * @param objectType  the compiled object name when the value is an OCSF object, else {@code null}
 * @param array       whether the value is a JSON array of {@code type}
 * @param requirement required, recommended or optional in this class/object
 * @param enumCaptions enum values (as strings, the way the schema keys them) to captions; empty if no enum
 * @param sibling     the name of the string attribute carrying this enum's caption, or {@code null}
 * @param profiles    the profiles that bring this attribute in; empty when it is part of the class or object itself
 */
public record Attribute(String name, String type, String objectType, boolean array, Requirement requirement,
                        Map<String, String> enumCaptions, String sibling, Set<String> profiles) {
    public Attribute {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(requirement, "requirement");
        enumCaptions = Map.copyOf(enumCaptions);
        profiles = Set.copyOf(profiles);
    }

    /** {@return true if the value is an OCSF object (validated recursively)} */
    public boolean isObject() { return objectType != null; }

    /** {@return true if the attribute has an enumeration of allowed values} */
    public boolean hasEnum() { return !enumCaptions.isEmpty(); }

    /** {@return true if this attribute is usable by an event that declares {@code active} profiles} */
    public boolean activeFor(Set<String> active) {
        if (profiles.isEmpty()) return true;
        for (String p : profiles) if (active.contains(p)) return true;
        return false;
    }
}
