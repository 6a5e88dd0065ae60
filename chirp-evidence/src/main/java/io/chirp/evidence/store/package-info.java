/**
 * The evidence store: content-addressed artifacts, cases, and a chain of custody for every action on them.
 *
 * <pre>
 *   $CHIRP_HOME/evidence/                 0700
 *     sha256/ab/abcd...                   the artifact's bytes, named by their SHA-256 (0600)
 *     sha256/ab/abcd....manifest.json     the manifest of the first collection of those bytes
 *     incoming/ID/                        a collection in progress (producers write here with EvidenceWriter)
 *     store.db                            artifacts (every collection's manifest), cases and their members
 *     custody.db                          the custody log: append-only, each record hash-chained to the one before
 * </pre>
 *
 * {@link io.chirp.evidence.store.EvidenceStore#collect} runs a producer (memory acquisition, capture, extraction)
 * with the store's custody recorder bound: {@link io.chirp.evidence.EvidenceWriter#commit} then appends its record
 * to the store's log, naming the content address, before the file has a name. The store re-hashes the committed
 * file, moves it to its address and records the artifact. Views (downloads), exports and deletions are recorded the
 * same way: who (an {@link io.chirp.evidence.store.Actor}: the OS user, an API principal, or a response rule with
 * its triggering alert), what, when and from where.
 */
package io.chirp.evidence.store;
