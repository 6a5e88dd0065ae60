package io.chirp.symbols.isf;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Validates ISF documents against Volatility's published schemas, used exactly as shipped. */
final class IsfSchemas {
    static final Path DIR = Path.of("/work/shared/data/volatility3-isf");

    private IsfSchemas() {}

    static List<Error> validate(String version, JsonNode doc) throws IOException {
        try (InputStream in = Files.newInputStream(DIR.resolve("schema-" + version + ".json"))) {
            // The schemas declare "http://json-schema.org/schema#" and use "id": draft 4 is what they are written in.
            Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(in);
            return schema.validate(doc);
        }
    }
}
