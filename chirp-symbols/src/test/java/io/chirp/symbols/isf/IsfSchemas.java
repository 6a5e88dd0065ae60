package io.chirp.symbols.isf;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Validates ISF documents against Volatility's published schemas, used exactly as shipped. */
final class IsfSchemas {
    static final Path DIR = Path.of("/work/shared/data/volatility3-isf");

    static final String GENERIC = "http://json-schema.org/schema#";

    private IsfSchemas() {}

    static List<Error> validate(String version, JsonNode doc) throws IOException {
        try (InputStream in = Files.newInputStream(DIR.resolve("schema-" + version + ".json"))) {
            // The schemas declare the generic "http://json-schema.org/schema#" and use "id": they are draft 4, so
            // that id is registered as the draft-4 dialect (the schema files themselves stay untouched).
            Dialect generic = Dialect.builder(GENERIC, Dialects.getDraft4()).build();
            Schema schema = SchemaRegistry.withDialects(List.of(Dialects.getDraft4(), generic),
                    b -> b.defaultDialectId(GENERIC)).getSchema(in);
            return schema.validate(doc);
        }
    }
}
