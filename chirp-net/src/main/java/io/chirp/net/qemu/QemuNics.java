package io.chirp.net.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A VM's network plumbing as its QEMU command line declares it: the netdevs (backends, where a capture filter
 * goes) and the NICs attached to them with their MAC addresses (how the VM's own frames are told apart). Both
 * the key=value syntax and the JSON syntax libvirt uses are read.
 */
public final class QemuNics {
    private static final ObjectMapper JSON = new ObjectMapper();

    private QemuNics() {}

    /** {@return the ids of the -netdev options} */
    public static List<String> netdevIds(List<String> argv) {
        List<String> ids = new ArrayList<>();
        for (Map<String, String> o : options(argv, "-netdev")) {
            if (o.containsKey("id")) ids.add(o.get("id"));
        }
        return ids;
    }

    /** {@return the MAC address of the NIC attached to {@code netdev}, if the command line sets one} */
    public static Optional<String> mac(List<String> argv, String netdev) {
        for (Map<String, String> o : options(argv, "-device")) {
            if (netdev.equals(o.get("netdev")) && o.containsKey("mac")) return Optional.of(o.get("mac").toLowerCase(java.util.Locale.ROOT));
        }
        return Optional.empty();
    }

    private static List<Map<String, String>> options(List<String> argv, String option) {
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 1; i < argv.size() - 1; i++) {
            if (!argv.get(i).replaceFirst("^--", "-").equals(option)) continue;
            String val = argv.get(i + 1).strip();
            Map<String, String> kv = new LinkedHashMap<>();
            if (val.startsWith("{")) {
                try {
                    JsonNode n = JSON.readTree(val);
                    n.properties().forEach(e -> kv.put(e.getKey(), e.getValue().asText()));
                } catch (IOException e) {
                    continue; // not JSON after all
                }
            } else {
                String[] parts = val.split(",");
                for (int k = 0; k < parts.length; k++) {
                    int eq = parts[k].indexOf('=');
                    if (eq > 0) kv.put(parts[k].substring(0, eq), parts[k].substring(eq + 1));
                    else if (k == 0) kv.put("type", parts[k]);
                }
            }
            out.add(kv);
        }
        return out;
    }
}
