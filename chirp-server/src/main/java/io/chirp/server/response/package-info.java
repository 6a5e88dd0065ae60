/**
 * Automatic response: evidence collected the moment an alert fires, before an intruder cleans up.
 *
 * <pre>
 *   pipeline alert ──► Responder.onAlert (never blocks the pipeline: queued to its own threads)
 *                        match each ResponseRule (rule id, level, tags, VM glob)
 *                        de-duplicate (same response, VM, detection rule, process, within the window)
 *                        rate-limit per VM (at most N collections per window)
 *                        case: the alert's, else the automatic one (per VM or per alert), the alert added to it
 *                        collect, each through the EvidenceStore as Actor.automatic(response id, alert id):
 *                          capture  N s of traffic (QEMU filter-dump), started first so it covers the moment
 *                          memory   a job (Jobs.acquire; migration mode: a pause of milliseconds)
 *                          maps     the alert's process's VMAs, the maps table as JSON
 *                          executable / files   from the guest disk through the live disk view (fleece)
 * </pre>
 *
 * Rules are YAML, in files named {@code *.response.yml} beside the Sigma rules (the Sigma loader skips them); the
 * format is in {@code docs/response-rules.md} and {@link io.chirp.server.response.ResponseRules}.
 */
package io.chirp.server.response;
