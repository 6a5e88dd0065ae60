package io.chirp.events;

import io.chirp.events.schema.OcsfSchema;
import io.chirp.events.schema.SchemaLocator;
import io.chirp.events.validate.EventValidator;

import java.nio.file.Path;

/** The real OCSF 1.8.0 schema from the shared reference data, compiled once per test JVM. Missing data fails. */
public final class TestSchema {
    private static volatile OcsfSchema schema;

    private TestSchema() {}

    /** {@return the schema source folder, found by walking up from the module folder} */
    public static Path dir() { return SchemaLocator.require(Path.of("")); }

    /** {@return the compiled schema with every extension} */
    public static OcsfSchema schema() {
        OcsfSchema s = schema;
        if (s == null) {
            synchronized (TestSchema.class) {
                if (schema == null) schema = OcsfSchema.load(dir());
                s = schema;
            }
        }
        return s;
    }

    /** {@return a validator over the compiled schema} */
    public static EventValidator validator() { return new EventValidator(schema()); }
}
