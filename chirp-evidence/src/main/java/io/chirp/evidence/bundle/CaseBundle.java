package io.chirp.evidence.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.evidence.store.Actor;
import io.chirp.evidence.store.Cases;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.evidence.store.StoredArtifact;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a case as a bundle (layout in {@link io.chirp.evidence.bundle package-info}), streaming: artifacts are
 * hashed again while copied, and an export whose blob no longer matches its address fails instead of shipping it.
 */
public final class CaseBundle {
    public static final String SCHEMA = "chirp-bundle/1";
    static final String INDEX = "index.json";
    static final String CUSTODY = "custody.jsonl";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINE = new ObjectMapper();

    /**
     * What an export wrote.
     *
     * @param files     files in the bundle besides the index
     * @param artifacts artifacts
     * @param record    the export's own custody record: keep its hash to check the bundle's chain later
     */
    public record Exported(int files, int artifacts, CustodyRecord record) {}

    private CaseBundle() {}

    /**
     * Writes case {@code caseId} of {@code store} to {@code out} (not closed).
     *
     * @param events the case's events, one JSON document each (the server's event store; may be empty)
     */
    public static Exported export(EvidenceStore store, String caseId, Actor actor, List<String> events, OutputStream out) {
        Cases.Case c = store.cases().require(caseId);
        List<Cases.Member> members = store.cases().members(caseId);
        List<StoredArtifact> artifacts = store.listCase(caseId);
        Map<String, String[]> files = new TreeMap<>(); // path -> {sha256, size}
        ArrayNode artifactIndex = JSON.createArrayNode();
        try {
            ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8);
            zip.setLevel(Deflater.BEST_SPEED); // memory images are large; the point is integrity, not size
            put(zip, files, "case.json", JSON.writeValueAsBytes(caseJson(c, members)));
            ArrayNode alerts = JSON.createArrayNode();
            for (Cases.Member m : members) {
                if (m.kind() == Cases.MemberKind.alert && m.json() != null) alerts.add(JSON.readTree(m.json()));
            }
            put(zip, files, "alerts.json", JSON.writeValueAsBytes(alerts));
            StringBuilder ev = new StringBuilder();
            for (String e : events) ev.append(LINE.writeValueAsString(LINE.readTree(e))).append('\n');
            put(zip, files, "events.jsonl", ev.toString().getBytes(StandardCharsets.UTF_8));
            for (StoredArtifact a : artifacts) {
                String dir = "artifacts/" + a.id() + "/";
                String file = dir + safeName(a.name());
                String manifest = file + ".manifest.json";
                copy(zip, files, file, store, a);
                put(zip, files, manifest, a.manifest().toJson().getBytes(StandardCharsets.UTF_8));
                ObjectNode n = artifactIndex.addObject();
                n.put("id", a.id());
                n.put("sha256", a.sha256());
                n.put("size", a.size());
                n.put("kind", a.kind());
                n.put("vm", a.vm());
                n.put("complete", a.complete());
                n.put("automatic", a.automatic());
                n.put("alert_id", a.alertId());
                n.put("file", file);
                n.put("manifest", manifest);
            }
            String contents = contentsDigest(files);
            CustodyRecord exported = store.record(actor, "case export", "case/" + caseId, null,
                    "contents=" + contents + "; artifacts=" + artifacts.size());
            List<CustodyRecord> slice = slice(store.custody(), caseId, artifacts, exported.seq());
            StringBuilder cl = new StringBuilder();
            for (CustodyRecord r : slice) cl.append(LINE.writeValueAsString(recordJson(r))).append('\n');
            put(zip, files, CUSTODY, cl.toString().getBytes(StandardCharsets.UTF_8));

            ObjectNode index = JSON.createObjectNode();
            index.put("schema", SCHEMA);
            index.put("case", c.id());
            index.put("title", c.title());
            index.put("exported", Instant.now().toString());
            index.put("exported_by", actor.name());
            ObjectNode fl = index.putObject("files");
            files.forEach((p, h) -> fl.putObject(p).put("sha256", h[0]).put("size", Long.parseLong(h[1])));
            index.set("artifacts", artifactIndex);
            ObjectNode cu = index.putObject("custody");
            cu.put("first_seq", slice.getFirst().seq());
            cu.put("last_seq", exported.seq());
            cu.put("records", slice.size());
            cu.put("head_hash", exported.hash());
            cu.put("contents", contents);
            zip.putNextEntry(new ZipEntry(INDEX));
            zip.write(JSON.writeValueAsBytes(index));
            zip.closeEntry();
            zip.finish();
            out.flush();
            return new Exported(files.size(), artifacts.size(), exported);
        } catch (IOException e) {
            throw ChirpException.io("cannot write the bundle of case " + caseId + ": " + e.getMessage(), e);
        }
    }

    /** The records from the case's first to {@code last}: contiguous, so every link can be checked. */
    private static List<CustodyRecord> slice(List<CustodyRecord> all, String caseId, List<StoredArtifact> artifacts, long last) {
        long first = last;
        for (CustodyRecord r : all) {
            if (r.seq() > last) break;
            boolean mine = r.artifact().equals("case/" + caseId)
                    || artifacts.stream().anyMatch(a -> r.detail() != null && r.detail().contains("artifact=" + a.id() + ";"));
            if (mine) {
                first = r.seq();
                break;
            }
        }
        long f = first;
        return all.stream().filter(r -> r.seq() >= f && r.seq() <= last).toList();
    }

    /** {@return the hash of the sorted "path sha256" lines} */
    static String contentsDigest(Map<String, String[]> files) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(files).forEach((p, h) -> {
            if (!p.equals(CUSTODY) && !p.equals(INDEX)) sb.append(p).append(' ').append(h[0]).append('\n');
        });
        return hex(digest().digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }

    static ObjectNode recordJson(CustodyRecord r) {
        ObjectNode n = LINE.createObjectNode();
        n.put("seq", r.seq());
        n.put("actor", r.actor());
        n.put("action", r.action());
        n.put("artifact", r.artifact());
        n.put("sha256", r.sha256());
        n.put("time", r.time().toString());
        n.put("detail", r.detail());
        n.put("prev_hash", r.prevHash());
        n.put("hash", r.hash());
        return n;
    }

    private static ObjectNode caseJson(Cases.Case c, List<Cases.Member> members) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", c.id());
        n.put("title", c.title());
        n.put("description", c.description());
        n.put("created", c.created().toString());
        n.put("created_by", c.createdBy());
        n.put("auto_key", c.autoKey());
        ArrayNode ms = n.putArray("members");
        for (Cases.Member m : members) {
            ms.addObject().put("kind", m.kind().name()).put("ref", m.ref()).put("added", m.added().toString())
                    .put("added_by", m.addedBy());
        }
        return n;
    }

    /** {@return a producer-given name reduced to a safe file name (guest-derived names may hold anything)} */
    static String safeName(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
        if (s.isEmpty() || s.startsWith(".")) s = "_" + s;
        return s.length() > 100 ? s.substring(0, 100) : s;
    }

    private static void put(ZipOutputStream zip, Map<String, String[]> files, String path, byte[] b) throws IOException {
        zip.putNextEntry(new ZipEntry(path));
        zip.write(b);
        zip.closeEntry();
        files.put(path, new String[] {hex(digest().digest(b)), Long.toString(b.length)});
    }

    private static void copy(ZipOutputStream zip, Map<String, String[]> files, String path, EvidenceStore store,
                             StoredArtifact a) throws IOException {
        MessageDigest md = digest();
        long n = 0;
        zip.putNextEntry(new ZipEntry(path));
        try (InputStream in = Files.newInputStream(store.blob(a))) {
            byte[] buf = new byte[1 << 20];
            for (int k; (k = in.read(buf)) > 0; n += k) {
                md.update(buf, 0, k);
                zip.write(buf, 0, k);
            }
        }
        zip.closeEntry();
        String sha = hex(md.digest());
        if (!sha.equals(a.sha256())) {
            throw ChirpException.corrupt("artifact " + a.id() + " in the store no longer matches its address (SHA-256 "
                    + sha + "): not exported");
        }
        files.put(path, new String[] {sha, Long.toString(n)});
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static String hex(byte[] b) { return HexFormat.of().formatHex(b); }

    static List<String> lines(String s) {
        List<String> out = new ArrayList<>();
        for (String l : s.split("\n")) if (!l.isBlank()) out.add(l);
        return out;
    }
}
