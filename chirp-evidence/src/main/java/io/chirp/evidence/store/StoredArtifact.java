package io.chirp.evidence.store;

import io.chirp.evidence.EvidenceManifest;

import java.time.Instant;

/**
 * One collection in the store: a content-addressed blob ({@link #path()}) and the manifest of how it was taken.
 * Two collections of the same bytes are two artifacts sharing one blob.
 *
 * @param id        the artifact's id (16 hex digits), unique in the store
 * @param sha256    the blob's SHA-256, its address
 * @param name      the file name the producer gave it (e.g. {@code web1.elf})
 * @param vm        the source's name from the manifest
 * @param kind      the manifest's kind ({@code memory-image}, {@code pcap}, ...)
 * @param size      bytes
 * @param complete  the manifest's completeness
 * @param collected when it entered the store
 * @param actor     who collected it
 * @param automatic collected by a response rule
 * @param alertId   the alert that triggered it, or null
 * @param caseId    the case it belongs to, or null
 * @param manifest  the manifest as the producer wrote it
 */
public record StoredArtifact(String id, String sha256, String name, String vm, String kind, long size, boolean complete,
                             Instant collected, String actor, boolean automatic, String alertId, String caseId,
                             EvidenceManifest manifest) {
    /** {@return the blob's path relative to the store's root: {@code sha256/ab/abcd...}} */
    public String path() { return EvidenceStore.relativeBlob(sha256); }
}
