package io.chirp.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an evidence file is, written as {@code FILE.manifest.json} beside it. The format is documented in
 * {@link io.chirp.evidence package-info}; {@link #toJson()} and {@link #read(Path)} are its only writer and reader.
 *
 * @param artifact    the evidence file's name (no folder: the manifest sits beside it)
 * @param kind        what it is, e.g. {@code memory-image}, {@code isf-symbols}, {@code pcap}
 * @param format      its file format, e.g. {@code ELF_CORE}, {@code LIME}, {@code ISF_JSON}
 * @param source      where it came from
 * @param method      how it was taken, e.g. {@code live}, {@code consistent}, {@code migration}
 * @param tool        {@code chirp}
 * @param toolVersion CHIRP's version
 * @param started     when writing started
 * @param finished    when the file was complete on disk
 * @param size        the file's size in bytes
 * @param sha256      hex SHA-256 of the file, computed over exactly the bytes written
 * @param complete    false when the file holds less than was asked for (the source vanished, a read failed):
 *                    the bytes are intact and hashed, but it is not the whole of what was asked for
 * @param notes       facts an examiner must know, in words ("VM paused 12 ms", "source vanished during the copy")
 * @param details     kind-specific facts (layout, vCPUs, timings); values are strings, numbers, booleans,
 *                    lists or maps of those
 */
public record EvidenceManifest(String artifact, String kind, String format, Source source, String method,
                               String tool, String toolVersion, Instant started, Instant finished, long size,
                               String sha256, boolean complete, List<String> notes, Map<String, Object> details) {
    /** The value of the manifest's {@code schema} field; bump it when a field changes meaning. */
    public static final String SCHEMA = "chirp-evidence/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Where evidence came from.
     *
     * @param name     the VM's (or image's) name as the operator knows it
     * @param backend  how CHIRP reached it, e.g. {@code qemu/shared_ram}, {@code qemu/qmp}, {@code image}
     * @param identity further identity facts (uuid, QEMU pid and version, host, ...)
     */
    public record Source(String name, String backend, Map<String, String> identity) {
        public Source {
            if (name == null) name = "";
            if (backend == null) backend = "";
            identity = Map.copyOf(identity);
        }
    }

    public EvidenceManifest {
        notes = List.copyOf(notes);
        details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /** {@return the manifest path of {@code file}: {@code FILE.manifest.json} beside it} */
    public static Path pathFor(Path file) {
        return file.resolveSibling(file.getFileName() + ".manifest.json");
    }

    /** {@return the manifest as pretty-printed JSON, identity keys sorted so manifests diff cleanly} */
    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("schema", SCHEMA);
        n.put("artifact", artifact);
        n.put("kind", kind);
        n.put("format", format);
        ObjectNode src = n.putObject("source");
        src.put("name", source.name());
        src.put("backend", source.backend());
        src.set("identity", JSON.valueToTree(new TreeMap<>(source.identity())));
        n.put("method", method);
        n.put("tool", tool);
        n.put("tool_version", toolVersion);
        n.put("started", started.toString());
        n.put("finished", finished.toString());
        n.put("size", size);
        n.put("sha256", sha256);
        n.put("complete", complete);
        n.set("notes", JSON.valueToTree(notes));
        n.set("details", JSON.valueToTree(details));
        try {
            return JSON.writeValueAsString(n) + "\n";
        } catch (IOException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "cannot serialise a manifest: " + e.getMessage(), e);
        }
    }

    /** Reads a manifest written by {@link #toJson()}; details come back as JSON-shaped maps, lists and scalars. */
    public static EvidenceManifest read(Path manifest) {
        String text;
        try {
            text = Files.readString(manifest);
        } catch (IOException e) {
            throw ChirpException.io("cannot read manifest " + manifest + ": " + e.getMessage(), e);
        }
        return parse(text, manifest.toString());
    }

    /** Parses a manifest's JSON text; {@code manifest} names where it came from, for errors. */
    public static EvidenceManifest parse(String text, String manifest) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (IOException e) {
            throw ChirpException.corrupt("manifest " + manifest + " is not JSON: " + e.getMessage());
        }
        if (!SCHEMA.equals(n.path("schema").asText())) {
            throw ChirpException.corrupt(manifest + " is not a " + SCHEMA + " manifest (schema "
                    + n.path("schema").asText("missing") + ")");
        }
        Map<String, String> identity = new LinkedHashMap<>();
        n.path("source").path("identity").properties().forEach(e -> identity.put(e.getKey(), e.getValue().asText()));
        List<String> notes = new ArrayList<>();
        n.path("notes").forEach(x -> notes.add(x.asText()));
        @SuppressWarnings("unchecked")
        Map<String, Object> details = JSON.convertValue(n.path("details"), LinkedHashMap.class);
        try {
            return new EvidenceManifest(n.path("artifact").asText(), n.path("kind").asText(), n.path("format").asText(),
                    new Source(n.path("source").path("name").asText(), n.path("source").path("backend").asText(), identity),
                    n.path("method").asText(), n.path("tool").asText(), n.path("tool_version").asText(),
                    Instant.parse(n.path("started").asText()), Instant.parse(n.path("finished").asText()),
                    n.path("size").asLong(), n.path("sha256").asText(), n.path("complete").asBoolean(false), notes,
                    details == null ? Map.of() : details);
        } catch (java.time.format.DateTimeParseException e) {
            throw ChirpException.corrupt(manifest + ": bad time: " + e.getMessage());
        }
    }
}
