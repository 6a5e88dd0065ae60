package io.chirp.hypervisor.pause;

import io.chirp.core.OwnerOnly;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.evidence.EvidenceWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A note on disk that CHIRP changed a VM's run state or migration settings and has not put them back yet:
 * {@code $CHIRP_HOME/state/paused/<vm>.json}, written before QMP {@code stop} (or before the migration settings
 * change) and removed once they are restored. If it outlives its owner, CHIRP was killed mid-way: the guardian,
 * a later CHIRP command and {@code chirp vm resume} read it to know exactly what to undo, and undo nothing else
 * (a VM paused by someone else has no marker and is left paused).
 *
 * @param kind           what was changed
 * @param vm             the VM's name
 * @param qemuPid        QEMU's pid (a VM restarted under the same name has another, and nothing to undo)
 * @param qmpSocket      where to reach QEMU to undo it
 * @param chirpPid       the CHIRP process that made the change
 * @param chirpStarted   its start time, so a recycled pid is not taken for it
 * @param operation      what it was doing, e.g. "acquire --consistent"
 * @param since          when the change was made
 * @param wasRunning     whether the guest ran before (only then is it resumed)
 * @param migrationParameters migration parameters as they were before (downtime-limit, max-bandwidth); empty for PAUSE
 * @param eventsCapability the migration "events" capability before, or null for PAUSE
 * @param scratch        a scratch folder to remove, or null
 * @param libvirtUri     for a libvirt domain (vm is then {@code libvirt:NAME}, qemuPid -1, qmpSocket empty): the
 *                       daemon whose monitor passthrough reaches its QEMU; null for QEMU-direct
 */
public record PauseMarker(Kind kind, String vm, long qemuPid, Path qmpSocket, long chirpPid, Instant chirpStarted,
                          String operation, Instant since, boolean wasRunning, Map<String, Long> migrationParameters,
                          Boolean eventsCapability, Path scratch, String libvirtUri) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What CHIRP changed on the VM. */
    public enum Kind {
        /** QMP stop: the guest is paused until CHIRP sends cont. */
        PAUSE,
        /** An outgoing migration with CHIRP's parameters; it may also leave the guest paused (postmigrate). */
        MIGRATION
    }

    public PauseMarker {
        migrationParameters = Map.copyOf(migrationParameters);
    }

    /** A QEMU-direct marker (no libvirt daemon). */
    public PauseMarker(Kind kind, String vm, long qemuPid, Path qmpSocket, long chirpPid, Instant chirpStarted,
                       String operation, Instant since, boolean wasRunning, Map<String, Long> migrationParameters,
                       Boolean eventsCapability, Path scratch) {
        this(kind, vm, qemuPid, qmpSocket, chirpPid, chirpStarted, operation, since, wasRunning, migrationParameters,
                eventsCapability, scratch, null);
    }

    /** {@return the folder of markers: $CHIRP_HOME/state/paused (CHIRP_HOME defaults to ~/.cache/chirp)} */
    public static Path dir() {
        return stateDir().resolve("paused");
    }

    /**
     * {@return $CHIRP_HOME/state: CHIRP's own run-time state (markers, scratch folders); the system property
     * {@code chirp.state} overrides it (unit tests, which must not touch the real one)}
     */
    public static Path stateDir() {
        String prop = System.getProperty("chirp.state");
        if (prop != null && !prop.isBlank()) return Path.of(prop).toAbsolutePath();
        return io.chirp.core.ChirpHome.resolve("state");
    }

    /** {@return the marker file of a VM; the name is QEMU's -name, which may hold anything, so it is sanitised} */
    public static Path fileFor(String vmName) {
        String safe = vmName.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.isEmpty() || safe.startsWith(".")) safe = "_" + safe;
        if (safe.length() > 100) safe = safe.substring(0, 100);
        // a changed name gets a hash of the real one, so "a b" and "a_b" do not share (and clean up) one marker
        if (!safe.equals(vmName)) safe += "-" + sha256Prefix(vmName);
        return dir().resolve(safe + ".json");
    }

    private static String sha256Prefix(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "no SHA-256 in this JVM", e);
        }
    }

    /** {@return a marker owned by this process} */
    public static PauseMarker ours(Kind kind, String vm, long qemuPid, Path qmpSocket, String operation,
                                   boolean wasRunning, Map<String, Long> migrationParameters, Boolean events) {
        ProcessHandle me = ProcessHandle.current();
        return new PauseMarker(kind, vm, qemuPid, qmpSocket, me.pid(), me.info().startInstant().orElse(Instant.EPOCH),
                operation, Instant.now(), wasRunning, migrationParameters, events, null);
    }

    /** {@return a marker owned by this process for libvirt domain {@code name} of the daemon at {@code uri}} */
    public static PauseMarker oursOnLibvirt(Kind kind, String uri, String name, String operation, boolean wasRunning,
                                            Map<String, Long> migrationParameters, Boolean events) {
        ProcessHandle me = ProcessHandle.current();
        return new PauseMarker(kind, "libvirt:" + name, -1, Path.of(""), me.pid(),
                me.info().startInstant().orElse(Instant.EPOCH), operation, Instant.now(), wasRunning,
                migrationParameters, events, null, uri);
    }

    /** {@return true if the VM is a libvirt domain, reached through its daemon} */
    public boolean onLibvirt() { return libvirtUri != null; }

    /** {@return this marker naming a scratch folder to remove} */
    public PauseMarker withScratch(Path dir) {
        return new PauseMarker(kind, vm, qemuPid, qmpSocket, chirpPid, chirpStarted, operation, since, wasRunning,
                migrationParameters, eventsCapability, dir, libvirtUri);
    }

    /** {@return this marker's file} */
    public Path file() { return fileFor(vm); }

    /** {@return true while the CHIRP process that wrote it runs (the same process, not a recycled pid)} */
    public boolean ownerAlive() {
        return ProcessHandle.of(chirpPid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().startInstant().map(s -> s.equals(chirpStarted)).orElse(true))
                .isPresent();
    }

    /** {@return e.g. "VM web1 was paused by CHIRP (pid 4242, acquire --consistent, at 2026-12-01T21:30:00Z)"} */
    public String describe() {
        String what = kind == Kind.PAUSE ? "was paused by CHIRP" : "was being migrated to a scratch file by CHIRP";
        return "VM " + vm + " " + what + " (pid " + chirpPid + ", " + operation + ", at " + since + ")";
    }

    /** Writes the marker atomically, 0600 in a 0700 folder: it must be on disk before the VM is touched. */
    public void write() {
        Path f = file();
        OwnerOnly.directories(f.getParent());
        Path tmp = f.resolveSibling(f.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.writeString(tmp, toJson());
            OwnerOnly.set(tmp);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            EvidenceWriter.fsyncDirectory(f.getParent());
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // reporting the write failure
            }
            throw ChirpException.io("cannot write pause marker " + f + " (refusing to touch the VM without it): "
                    + e.getMessage(), e);
        }
    }

    /** Removes the marker if it still is this one (another CHIRP may have replaced a stale one since). */
    public void delete() {
        Optional<PauseMarker> now = read(vm);
        if (now.isPresent() && now.get().chirpPid() == chirpPid && now.get().since().equals(since)) {
            try {
                Files.deleteIfExists(file());
            } catch (IOException e) {
                throw ChirpException.io("cannot remove pause marker " + file() + ": " + e.getMessage(), e);
            }
        }
    }

    /** {@return the marker of {@code vm}, if there is one; an unreadable marker is an error, not "none"} */
    public static Optional<PauseMarker> read(String vm) {
        return readFile(fileFor(vm));
    }

    static Optional<PauseMarker> readFile(Path f) {
        JsonNode n;
        try {
            n = JSON.readTree(Files.readString(f));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw ChirpException.corrupt("pause marker " + f + " is unreadable (" + e.getMessage()
                    + "); check the VM by hand and remove it");
        }
        Map<String, Long> params = new LinkedHashMap<>();
        n.path("migration_parameters").properties().forEach(e -> params.put(e.getKey(), e.getValue().asLong()));
        try {
            return Optional.of(new PauseMarker(Kind.valueOf(n.path("kind").asText()), n.path("vm").asText(),
                    n.path("qemu_pid").asLong(), Path.of(n.path("qmp_socket").asText()), n.path("chirp_pid").asLong(),
                    Instant.parse(n.path("chirp_started").asText()), n.path("operation").asText(),
                    Instant.parse(n.path("since").asText()), n.path("was_running").asBoolean(), params,
                    n.path("events_capability").isBoolean() ? n.path("events_capability").asBoolean() : null,
                    n.path("scratch").isTextual() ? Path.of(n.path("scratch").asText()) : null,
                    n.path("libvirt_uri").isTextual() ? n.path("libvirt_uri").asText() : null));
        } catch (RuntimeException e) {
            throw ChirpException.corrupt("pause marker " + f + " is malformed (" + e.getMessage()
                    + "); check the VM by hand and remove it");
        }
    }

    String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("kind", kind.name());
        n.put("vm", vm);
        n.put("qemu_pid", qemuPid);
        n.put("qmp_socket", qmpSocket.toString());
        n.put("chirp_pid", chirpPid);
        n.put("chirp_started", chirpStarted.toString());
        n.put("operation", operation);
        n.put("since", since.toString());
        n.put("was_running", wasRunning);
        n.set("migration_parameters", JSON.valueToTree(migrationParameters));
        if (eventsCapability != null) n.put("events_capability", eventsCapability);
        if (scratch != null) n.put("scratch", scratch.toString());
        if (libvirtUri != null) n.put("libvirt_uri", libvirtUri);
        try {
            return JSON.writeValueAsString(n) + "\n";
        } catch (IOException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "cannot serialise a pause marker", e);
        }
    }
}
