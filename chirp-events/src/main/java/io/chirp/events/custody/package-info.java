/**
 * Chain of custody: every action on evidence (acquired, hashed, copied, exported, verified...) recorded as who, what,
 * when, in an append-only, hash-chained table of the event store's SQLite file.
 *
 * <pre>
 *   record n:  seq | actor | action | artifact | sha256 | time | detail | prev_hash = hash(n-1) | hash = SHA-256(all before)
 * </pre>
 *
 * Triggers refuse UPDATE and DELETE, so the log cannot be changed through SQLite by mistake; the hash chain makes
 * deliberate changes to the file visible: {@link io.chirp.events.custody.CustodyLog#verify()} recomputes every
 * hash and link. Removing the newest records leaves a valid shorter chain, so keep the head hash outside the
 * store (in the case report, the acquisition manifest) and pass it to {@code verify(expectedHead)}.
 *
 * <p>Writers: chirp-evidence's {@code EvidenceWriter.commit} appends one record per evidence file (action = the
 * artifact's kind); {@code chirp evidence custody} and {@code chirp evidence verify-custody [--head HASH]} read it.
 */
package io.chirp.events.custody;
