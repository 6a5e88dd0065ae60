/**
 * Case bundles: one zip an examiner can check offline, with {@code chirp evidence verify BUNDLE}.
 *
 * <pre>
 *   index.json                       schema chirp-bundle/1: the case, every other file with its SHA-256 and size,
 *                                    the artifacts (id, blob SHA-256, file, manifest), the custody slice's range
 *   case.json                        the case and its members (VMs, alerts)
 *   alerts.json                      the alerts of the case as the server showed them
 *   events.jsonl                     OCSF events of the case's VMs, one per line
 *   artifacts/ID/NAME                each artifact's bytes (NAME reduced to [A-Za-z0-9._-])
 *   artifacts/ID/NAME.manifest.json  its manifest as collected
 *   custody.jsonl                    the custody log from the case's first record to the export's own record,
 *                                    every field, so each record's hash and link can be recomputed
 * </pre>
 *
 * The export's own custody record (action {@code case export}) carries {@code contents=SHA256}: the hash of the
 * sorted list of "path sha256" lines of every file but {@code custody.jsonl} and {@code index.json}. So an edited
 * file, an edited index and an edited record each break something the verifier recomputes, and it names which.
 * What no offline check can catch is a bundle rebuilt end to end with a freshly computed chain: compare the head
 * hash the export printed ({@code --head}) with the store's log for that.
 */
package io.chirp.evidence.bundle;
