package io.chirp.events.custody;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One entry of the custody log.
 *
 * @param seq      position in the chain, from 1, without gaps
 * @param actor    the OS user who acted
 * @param action   what was done (acquire, hash, copy, export, verify, ...)
 * @param artifact the evidence file concerned
 * @param sha256   the artifact's SHA-256 (hex) at that moment, or null if not hashed
 * @param time     when, host clock
 * @param detail   free text, or null
 * @param prevHash hash of the previous record ({@link #GENESIS} for the first)
 * @param hash     SHA-256 over all the fields above
 */
public record CustodyRecord(long seq, String actor, String action, String artifact, String sha256, Instant time,
                            String detail, String prevHash, String hash) {
    /** The previous-hash of the first record. */
    public static final String GENESIS = "0".repeat(64);

    public CustodyRecord {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(artifact, "artifact");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(prevHash, "prevHash");
        Objects.requireNonNull(hash, "hash");
    }

    /** {@return true if {@link #hash()} is the hash of this record's fields} */
    public boolean hashMatches() {
        return hash.equals(hashOf(seq, actor, action, artifact, sha256, time, detail, prevHash));
    }

    /**
     * {@return the SHA-256 (hex) of a record's fields}. Each field is length-prefixed (null as -1), so no two
     * different records encode to the same bytes ("ab"+"c" vs "a"+"bc").
     */
    static String hashOf(long seq, String actor, String action, String artifact, String sha256, Instant time,
                         String detail, String prevHash) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(ByteBuffer.allocate(8).putLong(seq).array());
            for (String s : new String[] {actor, action, artifact, sha256, detail, prevHash}) field(md, s);
            md.update(ByteBuffer.allocate(12).putLong(time.getEpochSecond()).putInt(time.getNano()).array());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void field(MessageDigest md, String s) {
        if (s == null) {
            md.update(ByteBuffer.allocate(4).putInt(-1).array());
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(ByteBuffer.allocate(4).putInt(b.length).array());
        md.update(b);
    }
}
