package io.chirp.evidence.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.evidence.EvidenceManifest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Checks a case bundle offline: every file against the index, every artifact against its manifest and its
 * collection record, every custody record's hash and link, the export record's digest of the contents, and that
 * nothing is missing or added. The bundle is hostile input: entries are only hashed, never extracted; the small
 * files it parses are capped at {@value #MAX_PARSED} bytes; duplicate names are reported.
 */
public final class BundleVerifier {
    static final int MAX_PARSED = 64 << 20;
    static final int MAX_ENTRIES = 100_000;

    /** What is wrong with a bundle. */
    public enum Kind {
        /** a file's bytes differ from the index's hash */ TAMPERED_FILE,
        /** a file the index lists is absent */ MISSING_FILE,
        /** a file the index does not list */ UNEXPECTED_FILE,
        /** the index itself was edited (its list no longer matches the export's custody record) */ TAMPERED_INDEX,
        /** an artifact disagrees with its manifest */ TAMPERED_MANIFEST,
        /** a custody record's hash does not match its fields */ ALTERED_RECORD,
        /** the chain is broken: a record missing, added or reordered */ BROKEN_CHAIN,
        /** an artifact has no collection record */ MISSING_RECORD,
        /** the bundle cannot be read as one */ MALFORMED
    }

    /**
     * One problem.
     *
     * @param kind  what
     * @param where the file (path in the bundle) or {@code custody record N}
     * @param what  in words
     */
    public record Problem(Kind kind, String where, String what) {
        @Override public String toString() { return kind + " " + where + ": " + what; }
    }

    /**
     * The outcome.
     *
     * @param caseId     the case, from the index (null if unreadable)
     * @param files      files checked
     * @param artifacts  artifacts checked
     * @param records    custody records checked
     * @param headHash   the export record's hash (compare with the one printed at export)
     * @param problems   empty when the bundle is intact
     * @param incomplete artifacts whose manifests say they hold less than was asked for (intact, but partial)
     */
    public record Report(String caseId, int files, int artifacts, int records, String headHash, List<Problem> problems,
                         List<String> incomplete) {
        public boolean intact() { return problems.isEmpty(); }
    }

    private BundleVerifier() {}

    public static Report verify(Path bundle) {
        List<Problem> problems = new ArrayList<>();
        Map<String, String> hashes = new TreeMap<>();
        Map<String, Long> sizes = new HashMap<>();
        Map<String, byte[]> small = new HashMap<>();
        try (InputStream raw = Files.newInputStream(bundle); ZipInputStream zip = new ZipInputStream(raw, StandardCharsets.UTF_8)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                String name = e.getName();
                if (hashes.containsKey(name)) {
                    problems.add(new Problem(Kind.UNEXPECTED_FILE, name, "appears twice in the bundle"));
                    continue;
                }
                if (hashes.size() >= MAX_ENTRIES) throw ChirpException.corrupt(bundle + " has more than " + MAX_ENTRIES + " entries");
                boolean keep = !name.startsWith("artifacts/") || name.endsWith(".manifest.json");
                MessageDigest md = CaseBundle.digest();
                java.io.ByteArrayOutputStream buf = keep ? new java.io.ByteArrayOutputStream() : null;
                byte[] b = new byte[1 << 20];
                long n = 0;
                for (int k; (k = zip.read(b)) > 0; n += k) {
                    md.update(b, 0, k);
                    if (buf != null) {
                        if (buf.size() + k > MAX_PARSED) throw ChirpException.corrupt(name + " in " + bundle + " is larger than " + MAX_PARSED);
                        buf.write(b, 0, k);
                    }
                }
                hashes.put(name, CaseBundle.hex(md.digest()));
                sizes.put(name, n);
                if (buf != null) small.put(name, buf.toByteArray());
            }
        } catch (IOException | IllegalArgumentException ex) {
            throw ChirpException.corrupt(bundle + " is not a readable bundle (zip): " + ex.getMessage());
        }
        byte[] indexBytes = small.get(CaseBundle.INDEX);
        if (indexBytes == null) {
            problems.add(new Problem(Kind.MALFORMED, CaseBundle.INDEX, "no index: not a CHIRP case bundle"));
            return new Report(null, hashes.size(), 0, 0, null, problems, List.of());
        }
        JsonNode index;
        try {
            index = CaseBundle.JSON.readTree(indexBytes);
        } catch (IOException ex) {
            problems.add(new Problem(Kind.TAMPERED_INDEX, CaseBundle.INDEX, "not JSON: " + ex.getMessage()));
            return new Report(null, hashes.size(), 0, 0, null, problems, List.of());
        }
        if (!CaseBundle.SCHEMA.equals(index.path("schema").asText())) {
            problems.add(new Problem(Kind.MALFORMED, CaseBundle.INDEX, "schema " + index.path("schema").asText("missing")
                    + ", expected " + CaseBundle.SCHEMA));
        }
        // 1. every file against the index, and nothing beyond it
        Map<String, String[]> listed = new TreeMap<>();
        index.path("files").properties().forEach(f -> listed.put(f.getKey(),
                new String[] {f.getValue().path("sha256").asText(), f.getValue().path("size").asText()}));
        listed.forEach((p, h) -> {
            String actual = hashes.get(p);
            if (actual == null) problems.add(new Problem(Kind.MISSING_FILE, p, "listed in the index, absent from the bundle"));
            else if (!actual.equals(h[0])) {
                problems.add(new Problem(Kind.TAMPERED_FILE, p, "SHA-256 is " + actual + ", the index says " + h[0]
                        + " (size " + sizes.get(p) + ", index " + h[1] + ")"));
            }
        });
        for (String p : hashes.keySet()) {
            if (!p.equals(CaseBundle.INDEX) && !listed.containsKey(p)) {
                problems.add(new Problem(Kind.UNEXPECTED_FILE, p, "in the bundle, not in the index"));
            }
        }
        // 2. the chain of the custody slice
        List<CustodyRecord> records = records(small.get(CaseBundle.CUSTODY), problems);
        String prev = null;
        long expected = index.path("custody").path("first_seq").asLong(-1);
        for (CustodyRecord r : records) {
            String where = "custody record " + r.seq();
            if (r.seq() != expected) {
                problems.add(new Problem(Kind.BROKEN_CHAIN, where, "expected record " + expected + " here: a record was "
                        + "removed, added or moved"));
                expected = r.seq();
            } else if (prev != null && !r.prevHash().equals(prev)) {
                problems.add(new Problem(Kind.BROKEN_CHAIN, where, "does not link to record " + (r.seq() - 1)));
            }
            if (!r.hashMatches()) problems.add(new Problem(Kind.ALTERED_RECORD, where, "its hash does not match its fields "
                    + "(actor " + r.actor() + ", action " + r.action() + ", artifact " + r.artifact() + ")"));
            prev = r.hash();
            expected++;
        }
        JsonNode cu = index.path("custody");
        CustodyRecord last = records.isEmpty() ? null : records.getLast();
        if (last == null || last.seq() != cu.path("last_seq").asLong() || !last.hash().equals(cu.path("head_hash").asText())) {
            problems.add(new Problem(Kind.BROKEN_CHAIN, CaseBundle.CUSTODY, "the slice does not end with the export record "
                    + cu.path("last_seq").asText() + " (head " + cu.path("head_hash").asText() + ")"));
        }
        // 3. the index's list against the export's own (chained) record
        Map<String, String[]> forDigest = new LinkedHashMap<>(listed);
        String contents = CaseBundle.contentsDigest(forDigest);
        String recorded = last != null && last.action().equals("case export") ? field(last.detail(), "contents") : null;
        if (recorded == null) {
            problems.add(new Problem(Kind.BROKEN_CHAIN, CaseBundle.CUSTODY, "the last record is not the case export record"));
        } else if (!recorded.equals(contents)) {
            problems.add(new Problem(Kind.TAMPERED_INDEX, CaseBundle.INDEX, "its file list hashes to " + contents
                    + ", the export's custody record " + last.seq() + " says " + recorded));
        }
        // 4. artifacts: manifest agrees, a collection record exists
        List<String> incomplete = new ArrayList<>();
        int artifacts = 0;
        for (JsonNode a : index.path("artifacts")) {
            artifacts++;
            String id = a.path("id").asText(), file = a.path("file").asText(), mf = a.path("manifest").asText();
            String sha = a.path("sha256").asText();
            // a file that matches an edited index still differs from what was collected
            if (hashes.containsKey(file) && listed.containsKey(file) && hashes.get(file).equals(listed.get(file)[0])
                    && !hashes.get(file).equals(sha)) {
                problems.add(new Problem(Kind.TAMPERED_FILE, file, "SHA-256 is " + hashes.get(file) + ", artifact " + id
                        + " was collected as " + sha));
            }
            byte[] m = small.get(mf);
            if (m != null) {
                try {
                    EvidenceManifest man = EvidenceManifest.parse(new String(m, StandardCharsets.UTF_8), mf);
                    if (!man.sha256().equals(sha)) {
                        problems.add(new Problem(Kind.TAMPERED_MANIFEST, mf, "says SHA-256 " + man.sha256() + ", artifact " + id
                                + " is " + sha));
                    }
                    if (!man.complete()) incomplete.add(id + " (" + file + "): " + String.join("; ", man.notes()));
                } catch (ChirpException ex) {
                    problems.add(new Problem(Kind.TAMPERED_MANIFEST, mf, ex.getMessage()));
                }
            }
            boolean collected = records.stream().anyMatch(r -> r.action().equals("collect") && sha.equals(r.sha256())
                    && r.detail() != null && r.detail().contains("artifact=" + id + ";"));
            if (!collected) {
                problems.add(new Problem(Kind.MISSING_RECORD, file, "artifact " + id + " has no collection record in the "
                        + "custody slice"));
            }
        }
        return new Report(index.path("case").asText(null), hashes.size(), artifacts, records.size(),
                last == null ? null : last.hash(), List.copyOf(problems), List.copyOf(incomplete));
    }

    private static List<CustodyRecord> records(byte[] text, List<Problem> problems) {
        List<CustodyRecord> out = new ArrayList<>();
        if (text == null) return out;
        int line = 0;
        for (String l : CaseBundle.lines(new String(text, StandardCharsets.UTF_8))) {
            line++;
            try {
                JsonNode n = CaseBundle.JSON.readTree(l);
                out.add(new CustodyRecord(n.path("seq").asLong(), n.path("actor").asText(), n.path("action").asText(),
                        n.path("artifact").asText(), n.path("sha256").isNull() ? null : n.path("sha256").asText(),
                        Instant.parse(n.path("time").asText()), n.path("detail").isNull() ? null : n.path("detail").asText(),
                        n.path("prev_hash").asText(), n.path("hash").asText()));
            } catch (IOException | RuntimeException ex) {
                problems.add(new Problem(Kind.ALTERED_RECORD, CaseBundle.CUSTODY + " line " + line, "unreadable: " + ex.getMessage()));
            }
        }
        return out;
    }

    /** {@return the value of {@code key=} in a record's {@code k=v; k=v} detail, or null} */
    static String field(String detail, String key) {
        if (detail == null) return null;
        for (String part : detail.split("; ")) if (part.startsWith(key + "=")) return part.substring(key.length() + 1);
        return null;
    }
}
