package io.chirp.hypervisor.qemu;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one reader of QEMU command lines in CHIRP. An option's value is read in either of QEMU's syntaxes:
 * <ul>
 *   <li>key=value: {@code memory-backend-file,id=mem,mem-path=/a,,b,share=on}: the first part may be the value of
 *       an implicit key ({@code qom-type} for {@code -object}), {@code ,,} is a literal comma, a bare word after the
 *       first is a flag ({@code =on});</li>
 *   <li>JSON, as libvirt writes {@code -object}, {@code -blockdev}, {@code -netdev} and {@code -device}:
 *       {@code {"qom-type":"memory-backend-file","mem-path":"/x","share":true}}; nested objects flatten to dotted keys
 *       ({@code file.filename}), scalars become their text ({@code true}, {@code 536870912}).</li>
 * </ul>
 * The command line of a process is not trusted more than any input: a value that is neither syntax is read as
 * key=value, JSON that does not parse is skipped, and the number of entries kept per value is capped.
 */
public final class QemuCommandLine {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A QEMU option value has tens of keys; more is not a real command line. */
    private static final int MAX_KEYS = 4096;

    private final List<String> argv;

    private QemuCommandLine(List<String> argv) { this.argv = List.copyOf(argv); }

    /** {@return the command line {@code argv} (argv[0] is the program)} */
    public static QemuCommandLine of(List<String> argv) { return new QemuCommandLine(argv); }

    /** {@return the whole command line} */
    public List<String> argv() { return argv; }

    /** {@return the raw values of every occurrence of {@code option} ({@code -object} or {@code --object}), in order} */
    public List<String> values(String option) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i < argv.size() - 1; i++) {
            if (normal(argv.get(i)).equals(option)) out.add(argv.get(i + 1));
        }
        return out;
    }

    /** {@return true if the flag {@code option} (e.g. {@code -s}) appears} */
    public boolean has(String option) {
        for (int i = 1; i < argv.size(); i++) if (normal(argv.get(i)).equals(option)) return true;
        return false;
    }

    /** {@return each occurrence of {@code option}, parsed; {@code implicitKey} names a leading bare value} */
    public List<Map<String, String>> all(String option, String implicitKey) {
        List<Map<String, String>> out = new ArrayList<>();
        for (String v : values(option)) parse(v, implicitKey).ifPresent(out::add);
        return out;
    }

    /** {@return the last occurrence of {@code option}, parsed (QEMU lets a later one win)} */
    public Optional<Map<String, String>> last(String option, String implicitKey) {
        List<Map<String, String>> all = all(option, implicitKey);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    /** {@return the ids of the {@code -netdev} options: where a capture filter goes} */
    public List<String> netdevIds() {
        List<String> ids = new ArrayList<>();
        for (Map<String, String> o : all("-netdev", "type")) if (o.containsKey("id")) ids.add(o.get("id"));
        return ids;
    }

    /** {@return the MAC address (lower case) of the NIC attached to {@code netdev}, if the command line sets one} */
    public Optional<String> mac(String netdev) {
        for (Map<String, String> o : all("-device", "driver")) {
            if (netdev.equals(o.get("netdev")) && o.containsKey("mac")) return Optional.of(o.get("mac").toLowerCase(Locale.ROOT));
        }
        return Optional.empty();
    }

    /** {@return the device model ({@code virtio-net-pci}) of the NIC attached to {@code netdev}, if any} */
    public Optional<String> nicModel(String netdev) {
        for (Map<String, String> o : all("-device", "driver")) {
            if (netdev.equals(o.get("netdev")) && o.containsKey("driver")) return Optional.of(o.get("driver"));
        }
        return Optional.empty();
    }

    /** {@return one option value parsed, or empty for JSON that does not parse} */
    public static Optional<Map<String, String>> parse(String value, String implicitKey) {
        String v = value.strip();
        if (v.startsWith("{")) {
            try {
                Map<String, String> out = new LinkedHashMap<>();
                flatten("", JSON.readTree(v), out);
                return Optional.of(out);
            } catch (JsonProcessingException e) {
                return Optional.empty();
            }
        }
        return Optional.of(keyValues(value, implicitKey));
    }

    /** QEMU's key=value syntax, with {@code ,,} escaping a comma. */
    public static Map<String, String> keyValues(String s, String implicitKey) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',' && i + 1 < s.length() && s.charAt(i + 1) == ',') { cur.append(','); i++; }
            else if (c == ',') { parts.add(cur.toString()); cur.setLength(0); }
            else cur.append(c);
        }
        parts.add(cur.toString());
        for (int i = 0; i < parts.size() && out.size() < MAX_KEYS; i++) {
            String p = parts.get(i);
            int eq = p.indexOf('=');
            if (eq < 0) {
                if (i == 0) {
                    if (implicitKey != null) out.put(implicitKey, p);
                } else if (!p.isEmpty()) {
                    out.put(p, "on");
                }
            } else {
                out.put(p.substring(0, eq), p.substring(eq + 1));
            }
        }
        return out;
    }

    private static void flatten(String prefix, JsonNode n, Map<String, String> out) {
        if (out.size() >= MAX_KEYS) return;
        if (n.isObject()) {
            for (var e : n.properties()) flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) flatten(prefix + "." + i, n.get(i), out);
        } else if (!prefix.isEmpty()) {
            out.put(prefix, n.asText());
        }
    }

    /** {@return true for QEMU's spellings of a true boolean} */
    public static boolean isTrue(String v) {
        return v != null && switch (v.toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes", "y" -> true;
            default -> false;
        };
    }

    /**
     * Parses a QEMU size: suffixes K/M/G/T (and k/m/g/t), B for bytes; a plain number is {@code plainUnit} bytes
     * (MiB for {@code -m}, bytes for an object's {@code size}). {@return the size, or 0 when not a size}
     */
    public static long size(String s, long plainUnit) {
        String t = s.strip().toUpperCase(Locale.ROOT);
        if (t.isEmpty()) return 0;
        char last = t.charAt(t.length() - 1);
        long mult = switch (last) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            case 'T' -> 1L << 40;
            case 'B' -> 1;
            default -> -1;
        };
        try {
            if (mult == -1) return Math.multiplyExact(Long.parseLong(t), plainUnit);
            return Math.multiplyExact(Long.parseLong(t.substring(0, t.length() - 1)), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            return 0;
        }
    }

    private static String normal(String opt) { return opt.startsWith("--") ? opt.substring(1) : opt; }
}
