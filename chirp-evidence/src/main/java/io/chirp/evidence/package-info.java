/**
 * Evidence files: the one way CHIRP writes anything an examiner may rely on (memory images, disk images, files
 * extracted from disks, body files, symbol exports, captures).
 *
 * <pre>
 *   EvidenceWriter.create(FILE)          FILE.partial, 0600, CREATE_NEW (never over FILE or another writer's partial)
 *     write(bytes) ... --+--> SHA-256     (over exactly the bytes written, so a guest changing under us cannot
 *                        +--> FILE.partial  make the hash disagree with the file)
 *     hole(n)       --+--> SHA-256 of n zeros; nothing written (sparse outputs stay sparse)
 *   EvidenceWriter.fromTool(FILE, tool)  tool writes FILE.partial.d/FILE (0700 folder); made 0600, renamed to
 *                         FILE.partial, hashed by reading it back (qemu-img convert); takes no more bytes
 *   commit(description)   fsync FILE.partial; write FILE.manifest.json.partial, fsync; append the custody record;
 *                         rename FILE.partial -> FILE; rename the manifest; fsync the folder
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
 *   "kind": "memory-image",                // memory-image | disk-image | extracted-file | timeline | isf-symbols
 *                                          //   | pcap | ...
 *   "format": "ELF_CORE",                  // ELF_CORE | LIME | RAW | QCOW2 | FILE | BODYFILE | ISF_JSON | PCAP
 *   "source": {
 *     "name": "web1",                      // the VM (or image) as the operator names it
 *     "backend": "qemu/shared_ram",        // how CHIRP reached it: qemu/shared_ram, qemu/qmp, qemu/gdbstub,
 *                                          //   qemu/migration, qemu/nbd-fleece (a disk), image
 *     "identity": {"qemu_pid": "4242", "uuid": "...", "host": "...", ...}   // keys sorted
 *   },
 *   "method": "consistent",                // live | consistent | migration | export | capture | convert | copy
 *                                          //   | extract | list
 *   "tool": "chirp", "tool_version": "0.1.0",
 *   "started": "2026-12-01T21:30:00.123Z", "finished": "2026-12-01T21:30:02.456Z",   // ISO-8601 UTC
 *   "size": 536875008,                     // bytes in the file
 *   "sha256": "9f2c...",                   // hex, of the whole file as written
 *   "complete": true,                      // false: the file is intact but holds less than was asked for
 *   "notes": ["VM paused 1203.4 ms (QEMU STOP..RESUME)", "source vanished during the copy: ..."],
 *   "details": { ... }                     // kind-specific: for memory images layout, vcpus, copy_nanos,
 *                                          //   pause_nanos, qmp_stop_events, ...; disk-image: virtual_size,
 *                                          //   content_sha256 (of the disk's bytes: equal for raw and qcow2
 *                                          //   output; "sha256" is the file's); extracted-file: source_path
 *                                          //   (escaped), inode, claimed_size, holes [{offset, length}], meta,
 *                                          //   fill_holes, max_fill (problems met are the notes); any kind:
 *                                          //   hole_bytes, the zero bytes left as holes in the file (it reads
 *                                          //   back as those zeros; the sha256 covers them)
 * }
 * </pre>
 * Fields are never removed or change meaning within a schema version; readers ignore fields they do not know.
 *
 * <h2>Chain of custody</h2>
 * Every commit appends one record to the custody log ({@link io.chirp.events.custody.CustodyLog}, hash-chained and
 * append-only, in the event store {@code $CHIRP_HOME/events.db}, see {@link io.chirp.core.ChirpHome}):
 * actor = the OS user, action = the manifest's {@code kind}, artifact = the absolute path, sha256 = the manifest's,
 * time = now, detail = {@code backend=...; complete=...; format=...; method=...; size=...; source=...;
 * tool=chirp VERSION} ({@link io.chirp.core.ChirpVersion}). It is appended after both files are fsynced and
 * before they get their names, so a committed file always has its record; a failed append publishes nothing.
 * {@code chirp evidence custody} lists the log, {@code chirp evidence verify-custody} checks the chain. Inside an
 * {@link io.chirp.evidence.store.EvidenceStore} collection the record goes to the store's own chain instead (bound
 * with {@link io.chirp.evidence.Custody#withRecorder}), naming the content address the file is about to get.
 *
 * <p>Layering: chirp-evidence depends on chirp-events (which depends only on chirp-core) rather than the custody
 * code moving here: the log lives in the event store's SQLite file and shares its connection discipline
 * ({@link io.chirp.events.store.StoreDatabase}), and other users of the log (an audit trail of {@code chirp serve})
 * keep using it where it is. The dependency runs one way: chirp-events knows nothing of evidence files.
 */
package io.chirp.evidence;
