package io.chirp.events.schema;

import java.util.Map;

/** Something with attributes an event value is validated against: an event class or an object. */
public sealed interface Structure permits ClassDef, ObjectDef {
    /** {@return the compiled name (extension items are scoped: {@code win/reg_key})} */
    String name();

    /** {@return the caption for messages} */
    String caption();

    /** {@return every attribute, including those brought in by profiles} */
    Map<String, Attribute> attributes();

    /** {@return the cross-attribute constraints} */
    Constraints constraints();
}
