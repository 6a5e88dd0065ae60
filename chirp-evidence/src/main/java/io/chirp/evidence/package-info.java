/**
 * Evidence files: the one way CHIRP writes anything an examiner may rely on (memory images, symbol exports,
 * captures).
 *
 * <pre>
 *   EvidenceWriter.create(FILE)          FILE.partial, 0600, CREATE_NEW (never over FILE or another writer's partial)
 *     write(bytes) ... --+--> SHA-256     (over exactly the bytes written, so a guest changing under us cannot
 *                        +--> FILE.partial  make the hash disagree with the file)
 *   commit(description)   fsync FILE.partial; write FILE.manifest.json.partial, fsync; rename FILE.partial -> FILE;
 *                         rename the manifest; fsync the folder
 *   close() without commit  FILE.partial deleted (exception, interrupt, disk full)
 * </pre>
 *
 * A name without {@code .partial} is therefore always a whole, hashed file that reached the disk. A process
 * killed outright (SIGKILL) leaves {@code FILE.partial} behind and never {@code FILE}. Folders the writer creates
 * are 0700; existing folders are left as they are.
 *
 * <h2>Manifest format ({@code FILE.manifest.json}, schema {@code chirp-evidence/1})</h2>
 * <pre>
 * {
 *   "schema": "chirp-evidence/1",
 *   "artifact": "mem.elf",                 // the evidence file's name; the manifest sits beside it
 *   "kind": "memory-image",                // memory-image | isf-symbols | pcap | ...
 *   "format": "ELF_CORE",                  // ELF_CORE | LIME | ISF_JSON | PCAP | ...
 *   "source": {
 *     "name": "web1",                      // the VM (or image) as the operator names it
 *     "backend": "qemu/shared_ram",        // how CHIRP reached it: qemu/shared_ram, qemu/qmp, qemu/gdbstub,
 *                                          //   qemu/migration, image
 *     "identity": {"qemu_pid": "4242", "uuid": "...", "host": "...", ...}   // keys sorted
 *   },
 *   "method": "consistent",                // live | consistent | migration | export | capture | convert
 *   "tool": "chirp", "tool_version": "0.1.0",
 *   "started": "2026-12-01T21:30:00.123Z", "finished": "2026-12-01T21:30:02.456Z",   // ISO-8601 UTC
 *   "size": 536875008,                     // bytes in the file
 *   "sha256": "9f2c...",                   // hex, of the whole file as written
 *   "complete": true,                      // false: the file is intact but holds less than was asked for
 *   "notes": ["VM paused 1203.4 ms (QEMU STOP..RESUME)", "source vanished during the copy: ..."],
 *   "details": { ... }                     // kind-specific: for memory images layout, vcpus, copy_nanos,
 *                                          //   pause_nanos, qmp_stop_events, ...
 * }
 * </pre>
 * Fields are never removed or change meaning within a schema version; readers ignore fields they do not know.
 */
package io.chirp.evidence;
