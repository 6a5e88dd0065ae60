package io.chirp.detect.rule;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.chirp.core.ChirpException;
import io.chirp.detect.RuleException;
import io.chirp.detect.RuleProblem;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads Sigma rules from YAML files and folders. A bad rule becomes a {@link RuleProblem} (file and reason) and is
 * skipped; the others load. Multi-document files are rule collections: a document with {@code action: global}
 * is merged into every later document, {@code action: reset} forgets it, {@code action: repeat} repeats the previous
 * rule with the document's changes merged in.
 */
public final class RuleLoader {
    /** Larger files are not rules; refuse before parsing. */
    static final long MAX_FILE_BYTES = 1 << 20;
    static final int MAX_DOCUMENTS = 256;
    private static final int MAX_DEPTH = 16;

    private final ObjectMapper yaml;
    private final LoaderOptions loaderOptions;

    public RuleLoader() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(20);   // alias bombs ("billion laughs")
        options.setNestingDepthLimit(64);
        options.setCodePointLimit((int) MAX_FILE_BYTES);
        YAMLFactory factory = YAMLFactory.builder().loaderOptions(options)
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build();
        this.yaml = new ObjectMapper(factory);
        this.loaderOptions = options;
    }

    /** What a load produced: the rules that parsed, and one problem per rule or file that did not. */
    public record Result(List<SigmaRule> rules, List<RuleProblem> problems) {
        public Result { rules = List.copyOf(rules); problems = List.copyOf(problems); }
    }

    /** {@return the rules of every {@code .yml}/{@code .yaml} file under {@code dir}, in path order} */
    public Result loadDirectory(Path dir) {
        if (!Files.isDirectory(dir)) throw ChirpException.notFound("rule folder " + dir + " does not exist");
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir, MAX_DEPTH)) {
            files = s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().matches("(?i).*\\.ya?ml"))
                    // response rules live beside the Sigma rules (chirp serve reads them); they are not Sigma
                    .filter(p -> !p.getFileName().toString().endsWith(".response.yml")).sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw ChirpException.io("cannot list rule folder " + dir, e);
        }
        List<SigmaRule> rules = new ArrayList<>();
        List<RuleProblem> problems = new ArrayList<>();
        for (Path f : files) {
            String name = dir.relativize(f).toString();
            try {
                if (Files.size(f) > MAX_FILE_BYTES) {
                    problems.add(new RuleProblem(name, null, null, "file larger than " + MAX_FILE_BYTES + " bytes"));
                    continue;
                }
                Result r = loadText(Files.readString(f), name);
                rules.addAll(r.rules());
                problems.addAll(r.problems());
            } catch (IOException e) {
                problems.add(new RuleProblem(name, null, null, "cannot read: " + e.getMessage()));
            }
        }
        return new Result(rules, problems);
    }

    /** {@return the rules in YAML text; {@code source} names it in problems} */
    public Result loadText(String text, String source) {
        List<SigmaRule> rules = new ArrayList<>();
        List<RuleProblem> problems = new ArrayList<>();
        List<JsonNode> docs = new ArrayList<>();
        String alias = firstAlias(text);
        if (alias != null) {
            // Jackson reads an alias as the anchor's name, silently changing the rule; refuse it instead.
            problems.add(new RuleProblem(source, null, null, "YAML aliases (*" + alias + ") are not supported in rules"));
            return new Result(rules, problems);
        }
        try (JsonParser p = yaml.createParser(text); MappingIterator<JsonNode> it = yaml.readValues(p, JsonNode.class)) {
            while (it.hasNextValue()) {
                if (docs.size() >= MAX_DOCUMENTS) {
                    problems.add(new RuleProblem(source, null, null, "more than " + MAX_DOCUMENTS + " documents; the rest are ignored"));
                    break;
                }
                docs.add(it.nextValue());
            }
        } catch (IOException | RuntimeException e) {
            // Documents before the broken one are kept: a collection with one bad document still loads the rest.
            problems.add(new RuleProblem(source + (docs.isEmpty() ? "" : "#" + (docs.size() + 1)), null, null,
                    "YAML syntax: " + firstLine(e.getMessage())));
        }
        boolean multi = docs.size() > 1;
        ObjectNode global = null;
        JsonNode previous = null;
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            String where = multi ? source + "#" + (i + 1) : source;
            if (doc == null || doc.isNull() || doc.isMissingNode()) continue;   // empty document, e.g. a trailing ---
            String action = doc.isObject() && doc.get("action") != null ? doc.get("action").asText() : null;
            try {
                if ("global".equals(action)) {
                    global = withoutAction(doc);
                    continue;
                }
                if ("reset".equals(action)) {
                    global = null;
                    continue;
                }
                JsonNode merged;
                if ("repeat".equals(action)) {
                    if (previous == null) throw new RuleException("action: repeat with no previous rule");
                    merged = merge(previous.deepCopy(), withoutAction(doc));
                } else if (action != null) {
                    throw new RuleException("unknown collection action '" + action + "'");
                } else {
                    merged = global == null || !doc.isObject() ? doc : merge(global.deepCopy(), (ObjectNode) doc);
                }
                previous = merged;
                rules.add(RuleParser.parse(merged, where));
            } catch (RuleException e) {
                problems.add(new RuleProblem(where, idOf(doc), categoryOf(doc), e.getMessage()));
            }
        }
        return new Result(rules, problems);
    }

    /** {@return the name of the first alias in the YAML text, or null; a syntax error is left to the real parse} */
    private String firstAlias(String text) {
        try {
            for (Event e : new Yaml(loaderOptions).parse(new StringReader(text))) {
                if (e instanceof AliasEvent a) return a.getAnchor();
            }
        } catch (RuntimeException e) {
            return null;
        }
        return null;
    }

    private static ObjectNode withoutAction(JsonNode doc) {
        ObjectNode copy = ((ObjectNode) doc).deepCopy();
        copy.remove("action");
        return copy;
    }

    /** Deep merge as Sigma collections define it: maps merge key by key, anything else is replaced. */
    private static JsonNode merge(JsonNode base, JsonNode over) {
        if (!(base instanceof ObjectNode b) || !over.isObject()) return over.deepCopy();
        for (Map.Entry<String, JsonNode> e : over.properties()) {
            JsonNode old = b.get(e.getKey());
            b.set(e.getKey(), old == null ? e.getValue().deepCopy() : merge(old, e.getValue()));
        }
        return b;
    }

    private static String idOf(JsonNode doc) {
        JsonNode id = doc == null ? null : doc.get("id");
        return id != null && id.isValueNode() ? id.asText() : null;
    }

    private static String categoryOf(JsonNode doc) {
        JsonNode c = doc == null ? null : doc.at("/logsource/category");
        return c != null && c.isTextual() ? c.asText() : null;
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
