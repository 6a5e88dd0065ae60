package io.chirp.events.schema;

import java.util.List;
import java.util.Map;

/**
 * A compiled OCSF object. An object with no attributes (the schema's {@code object}) accepts any keys: that is how
 * {@code unmapped} stays open-ended.
 *
 * @param name        compiled name ({@code process}, {@code win/reg_key})
 * @param caption     caption
 * @param attributes  every attribute after {@code extends}, includes, patches and dictionary merge
 * @param constraints object-level constraints
 * @param profiles    profiles this object declares it supports
 */
public record ObjectDef(String name, String caption, Map<String, Attribute> attributes, Constraints constraints,
                        List<String> profiles) implements Structure {
    public ObjectDef {
        attributes = Map.copyOf(attributes);
        profiles = List.copyOf(profiles);
    }
}
