package io.chirp.memory.acquire;

import io.chirp.core.MemoryRange;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What was acquired, written as {@code IMAGE.manifest.json} next to the image: enough to tell later what the
 * image is, where it came from, whether the VM was paused, and to verify it (sha256 of the whole file).
 *
 * @param image       the image file name
 * @param format      "ELF_CORE" or "LIME"
 * @param vmName      as given by the caller
 * @param vmIdentity  as given by the caller
 * @param started     when the acquisition started
 * @param finished    when the image was complete
 * @param copyNanos   time spent copying
 * @param mode        "consistent" (VM paused by the hooks) or "live" (VM running: the image may be smeared)
 * @param pauseNanos  from the start of beforeCopy to the end of afterCopy (an upper bound of the pause); 0 if live
 * @param layout      the guest-physical ranges in the image
 * @param size        the image file size in bytes
 * @param sha256      hex SHA-256 of the image file, computed while writing
 * @param vcpus       number of vCPU states recorded
 * @param tool        "chirp"
 * @param toolVersion CHIRP's version
 */
public record AcquisitionManifest(String image, String format, String vmName, Map<String, String> vmIdentity,
                                  Instant started, Instant finished, long copyNanos, String mode, long pauseNanos,
                                  List<MemoryRange> layout, long size, String sha256, int vcpus, String tool,
                                  String toolVersion) {
    public AcquisitionManifest {
        vmIdentity = Map.copyOf(vmIdentity);
        layout = List.copyOf(layout);
    }

    /** {@return the manifest as pretty-printed JSON (written by hand: no JSON library in this module)} */
    public String toJson() {
        StringBuilder b = new StringBuilder("{\n");
        field(b, "image", str(image));
        field(b, "format", str(format));
        StringBuilder id = new StringBuilder("{");
        new TreeMap<>(vmIdentity).forEach((k, v) -> id.append(id.length() > 1 ? ", " : "").append(str(k)).append(": ").append(str(v)));
        field(b, "vm", "{\"name\": " + str(vmName) + ", \"identity\": " + id + "}}");
        field(b, "started", str(started.toString()));
        field(b, "finished", str(finished.toString()));
        field(b, "copy_nanos", Long.toString(copyNanos));
        field(b, "mode", str(mode));
        field(b, "pause_nanos", Long.toString(pauseNanos));
        StringBuilder ranges = new StringBuilder("[");
        for (MemoryRange r : layout) {
            ranges.append(ranges.length() > 1 ? ",\n    " : "\n    ").append("{\"start\": ").append(str(hex(r.start())))
                    .append(", \"end\": ").append(str(hex(r.end()))).append(", \"size\": ").append(r.size())
                    .append(", \"name\": ").append(str(r.name())).append('}');
        }
        field(b, "layout", ranges.append(layout.isEmpty() ? "]" : "\n  ]").toString());
        field(b, "size", Long.toString(size));
        field(b, "sha256", str(sha256));
        field(b, "vcpus", Integer.toString(vcpus));
        field(b, "tool", str(tool));
        b.append("  \"tool_version\": ").append(str(toolVersion)).append("\n}\n");
        return b.toString();
    }

    private static void field(StringBuilder b, String name, String json) {
        b.append("  ").append(str(name)).append(": ").append(json).append(",\n");
    }

    private static String hex(long v) { return "0x" + Long.toHexString(v); }

    /** JSON string literal; the VM name and identity come from callers and may hold anything. */
    static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
