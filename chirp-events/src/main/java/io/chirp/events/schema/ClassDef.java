package io.chirp.events.schema;

import java.util.List;
import java.util.Map;

/**
 * A compiled OCSF event class.
 *
 * @param name         class name ({@code process_activity})
 * @param caption      caption ({@code Process Activity})
 * @param uid          class_uid ({@code category_uid * 1000 + uid}, extension categories scoped)
 * @param categoryUid  category_uid
 * @param categoryName category caption
 * @param attributes   every attribute after {@code extends}, includes and dictionary merge
 * @param constraints  class-level constraints
 * @param profiles     profiles this class declares it supports
 */
public record ClassDef(String name, String caption, int uid, int categoryUid, String categoryName,
                       Map<String, Attribute> attributes, Constraints constraints, List<String> profiles)
        implements Structure {
    public ClassDef {
        attributes = Map.copyOf(attributes);
        profiles = List.copyOf(profiles);
    }

    /** {@return the caption of an activity_id value, or null if the class does not define it} */
    public String activityCaption(int activityId) {
        Attribute a = attributes.get("activity_id");
        return a == null ? null : a.enumCaptions().get(Integer.toString(activityId));
    }
}
