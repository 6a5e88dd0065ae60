package io.chirp.server.response;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.chirp.core.ChirpException;
import io.chirp.detect.Level;
import io.chirp.disk.acquire.DiskAcquisition;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.memory.ImageFormat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads response rules (format: {@code docs/response-rules.md}). Strict: an unknown key, a bad value or a rule
 * that collects nothing is an error naming the file and rule, because a response rule that silently does less than
 * its author meant is worse than one that refuses to load.
 *
 * <pre>
 * responses:
 *   - id: tmp-exec-collect
 *     title: Collect on execution from a temporary folder
 *     when: {rules: [fcb21ce9-...], level: medium, tags: [attack.execution], vms: ["web*"]}
 *     collect: {memory: migration, format: elf, capture: 10s, maps: true, executable: true, files: [/etc/passwd], disk: raw}
 *     limit: {per_vm: 2, window: 10m}
 *     case: vm
 * </pre>
 */
public final class ResponseRules {
    /** Files holding response rules end with this. */
    public static final String SUFFIX = ".response.yml";
    static final int MAX_FILE = 1 << 20;
    static final int MAX_RULES = 1000;
    static final Duration MAX_CAPTURE = Duration.ofMinutes(10);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,6})(ms|s|m|h)");

    private ResponseRules() {}

    /** {@return the rules in a file, or in every {@code *.response.yml} of a folder (sorted by name)} */
    public static List<ResponseRule> load(Path fileOrDir) {
        List<Path> files;
        if (Files.isDirectory(fileOrDir)) {
            try (Stream<Path> s = Files.walk(fileOrDir, 4)) {
                files = s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
            } catch (IOException e) {
                throw ChirpException.io("cannot list " + fileOrDir + ": " + e.getMessage(), e);
            }
        } else if (Files.isRegularFile(fileOrDir)) {
            files = List.of(fileOrDir);
        } else {
            throw ChirpException.notFound("no response rules at " + fileOrDir);
        }
        List<ResponseRule> all = new ArrayList<>();
        for (Path f : files) {
            try {
                if (Files.size(f) > MAX_FILE) throw ChirpException.usage(f + ": larger than " + MAX_FILE + " bytes");
                all.addAll(parse(Files.readString(f), f.toString()));
            } catch (IOException e) {
                throw ChirpException.io("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        unique(all);
        return List.copyOf(all);
    }

    /** {@return the rules of one YAML text; {@code source} names it in errors} */
    public static List<ResponseRule> parse(String yaml, String source) {
        if (yaml.length() > MAX_FILE) throw ChirpException.usage(source + ": larger than " + MAX_FILE + " characters");
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException e) {
            throw ChirpException.usage(source + ": not YAML: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw ChirpException.usage(source + ": expected a map with 'responses'");
        keys(root, source, "responses");
        JsonNode list = root.path("responses");
        if (!list.isArray() || list.isEmpty()) throw ChirpException.usage(source + ": 'responses' must be a non-empty list");
        if (list.size() > MAX_RULES) throw ChirpException.usage(source + ": more than " + MAX_RULES + " rules");
        List<ResponseRule> out = new ArrayList<>();
        for (JsonNode r : list) out.add(rule(r, source));
        unique(out);
        return out;
    }

    private static ResponseRule rule(JsonNode r, String source) {
        if (!r.isObject()) throw ChirpException.usage(source + ": each response is a map");
        String id = r.path("id").asText("");
        String where = source + ": response " + (id.isEmpty() ? "(no id)" : id);
        if (!ID.matcher(id).matches()) throw ChirpException.usage(where + ": id must be 1-64 letters, digits, '-' or '_'");
        keys(r, where, "id", "title", "when", "collect", "limit", "case");
        JsonNode w = r.path("when");
        keys(w, where + " when", "rules", "level", "tags", "vms");
        Level level = null;
        if (w.has("level")) {
            level = Level.parse(w.path("level").asText());
            if (level == null) throw ChirpException.usage(where + ": level must be informational, low, medium, high or critical");
        }
        ResponseRule.When when = new ResponseRule.When(strings(w, "rules", where), level, strings(w, "tags", where),
                List.copyOf(strings(w, "vms", where)));
        JsonNode c = r.path("collect");
        if (!c.isObject()) throw ChirpException.usage(where + ": 'collect' is required");
        keys(c, where + " collect", "memory", "format", "capture", "maps", "executable", "files", "disk");
        VmAcquisition.Mode memory = null;
        if (c.has("memory")) {
            memory = switch (c.path("memory").asText()) {
                case "migration" -> VmAcquisition.Mode.MIGRATION;
                case "consistent" -> VmAcquisition.Mode.CONSISTENT;
                case "live" -> VmAcquisition.Mode.LIVE;
                default -> throw ChirpException.usage(where + ": memory must be migration, consistent or live");
            };
        }
        ImageFormat format = switch (c.path("format").asText("elf")) {
            case "elf" -> ImageFormat.ELF_CORE;
            case "lime" -> ImageFormat.LIME;
            default -> throw ChirpException.usage(where + ": format must be elf or lime");
        };
        Duration capture = c.has("capture") ? duration(c.path("capture").asText(), where + " capture") : null;
        if (capture != null && (capture.isZero() || capture.compareTo(MAX_CAPTURE) > 0)) {
            throw ChirpException.usage(where + ": capture must be more than 0 and at most " + MAX_CAPTURE.toMinutes() + "m");
        }
        List<String> files = List.copyOf(strings(c, "files", where));
        for (String f : files) {
            if (!f.startsWith("/") || f.contains("/../") || f.endsWith("/..") || f.length() > 4096) {
                throw ChirpException.usage(where + ": files must be absolute guest paths without '..': " + f);
            }
        }
        DiskAcquisition.Format disk = !c.has("disk") ? null : switch (c.path("disk").asText()) {
            case "raw" -> DiskAcquisition.Format.RAW;
            case "qcow2" -> DiskAcquisition.Format.QCOW2;
            default -> throw ChirpException.usage(where + ": disk must be raw or qcow2");
        };
        ResponseRule.Collect collect = new ResponseRule.Collect(memory, format, capture, bool(c, "maps", where),
                bool(c, "executable", where), files, disk);
        if (collect.nothing()) throw ChirpException.usage(where + ": collects nothing");
        JsonNode l = r.path("limit");
        keys(l, where + " limit", "per_vm", "window");
        int perVm = l.path("per_vm").asInt(1);
        if (perVm < 1 || perVm > 100) throw ChirpException.usage(where + ": per_vm must be 1 to 100");
        Duration window = duration(l.path("window").asText("10m"), where + " window");
        ResponseRule.CaseBy caseBy = switch (r.path("case").asText("vm")) {
            case "vm" -> ResponseRule.CaseBy.vm;
            case "alert" -> ResponseRule.CaseBy.alert;
            default -> throw ChirpException.usage(where + ": case must be vm or alert");
        };
        return new ResponseRule(id, r.path("title").asText(id), when, collect, new ResponseRule.Limit(perVm, window), caseBy);
    }

    /** {@return a duration written as 500ms, 10s, 5m or 2h} */
    static Duration duration(String s, String where) {
        Matcher m = DURATION.matcher(s.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw ChirpException.usage(where + ": not a duration (10s, 5m, 2h, 500ms): " + s);
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    private static void keys(JsonNode n, String where, String... allowed) {
        if (n.isMissingNode()) return;
        if (!n.isObject()) throw ChirpException.usage(where + ": expected a map");
        Set<String> ok = Set.of(allowed);
        n.fieldNames().forEachRemaining(k -> {
            if (!ok.contains(k)) throw ChirpException.usage(where + ": unknown key '" + k + "' (known: " + String.join(", ", allowed) + ")");
        });
    }

    private static Set<String> strings(JsonNode n, String key, String where) {
        JsonNode v = n.path(key);
        if (v.isMissingNode()) return Set.of();
        Set<String> out = new LinkedHashSet<>();
        if (v.isTextual()) out.add(v.asText());
        else if (v.isArray()) {
            for (JsonNode x : v) {
                if (!x.isTextual() || x.asText().isEmpty()) throw ChirpException.usage(where + ": " + key + " must be strings");
                out.add(x.asText());
            }
        } else {
            throw ChirpException.usage(where + ": " + key + " must be a string or a list of strings");
        }
        return out;
    }

    private static boolean bool(JsonNode n, String key, String where) {
        JsonNode v = n.path(key);
        if (v.isMissingNode()) return false;
        if (!v.isBoolean()) throw ChirpException.usage(where + ": " + key + " must be true or false");
        return v.booleanValue();
    }

    private static void unique(List<ResponseRule> rules) {
        Set<String> seen = new HashSet<>();
        for (ResponseRule r : rules) if (!seen.add(r.id())) throw ChirpException.usage("two response rules have the id " + r.id());
    }
}
