package io.chirp.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * One libvirt domain ({@code virDomainPtr}): its identity and state, its XML, its QEMU monitor through libvirt's
 * passthrough, and guest-physical reads through {@code virDomainMemoryPeek}. CHIRP only reads: nothing here changes
 * the domain (QMP commands sent through {@link #qmp} are the caller's responsibility; CHIRP sends queries only).
 */
public final class LibvirtDomain implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Caps on what libvirt hands back: a domain XML or an {@code info mtree -f} is kilobytes, not this. */
    private static final long MAX_XML = 16L << 20;
    private static final long MAX_MONITOR_REPLY = 64L << 20;

    private final LibvirtConnection connection;
    private final MemorySegment dom;
    private boolean closed;

    LibvirtDomain(LibvirtConnection connection, MemorySegment dom) {
        this.connection = connection;
        this.dom = dom;
    }

    /** {@return name, UUID, id, state and persistence, read now} */
    public DomainInfo info() { return call(() -> info(handle())); }

    /** {@return the domain's state, read now} */
    public DomainState state() { return info().state(); }

    /** {@return the domain name} */
    public String name() { return call(() -> identity(handle()).name()); }

    private interface NativeCall<T> { T run() throws Throwable; }

    private static <T> T call(NativeCall<T> c) {
        try {
            return c.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@return the live domain XML, as libvirt describes the running domain (flags 0: no secrets)} */
    public String xml() {
        try {
            MemorySegment p = (MemorySegment) Native.DOMAIN_GET_XML_DESC.invokeExact(handle(), 0);
            if (p.equals(MemorySegment.NULL)) throw fail("cannot read the XML of");
            try {
                return Native.string(p, MAX_XML);
            } finally {
                Native.free(p);
            }
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@return the live domain XML, parsed: disks, NICs, memory backing} */
    public DomainXml domainXml() { return DomainXml.parse(xml()); }

    /** Sends a QMP command (JSON) through libvirt's monitor and returns QEMU's whole reply. */
    public JsonNode qmp(String command, JsonNode arguments) {
        return qmpReturn(command, monitor(qmpRequest(command, arguments), 0));
    }

    private static String qmpRequest(String command, JsonNode arguments) {
        ObjectNode req = JSON.createObjectNode().put("execute", command);
        if (arguments != null) req.set("arguments", arguments);
        return req.toString();
    }

    /** {@return the {@code return} member of QEMU's reply, or its error as an exception} */
    private JsonNode qmpReturn(String command, String reply) {
        try {
            JsonNode n = JSON.readTree(reply);
            if (n.has("error")) {
                throw new ChirpException(ChirpException.Kind.IO, "QMP " + command + " failed on " + name() + ": "
                        + n.get("error").path("desc").asText(n.get("error").toString()));
            }
            return n.path("return");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ChirpException.corrupt("QMP reply through libvirt is not JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * Sends a QMP command with one file descriptor passed along ({@code virDomainQemuMonitorCommandWithFiles},
     * libvirt 8.2), e.g. {@code getfd}: QEMU gets its own copy of {@code fd}, however it runs (another user,
     * another mount namespace), without opening any of CHIRP's files.
     */
    public JsonNode qmpWithFd(String command, JsonNode arguments, int fd) {
        if (Native.DOMAIN_QEMU_MONITOR_COMMAND_WITH_FILES == null) {
            throw ChirpException.unavailable("this libvirt has no virDomainQemuMonitorCommandWithFiles (libvirt 8.2 or later)");
        }
        String reply;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocateFrom(JAVA_INT, fd);
            MemorySegment result = a.allocate(ADDRESS);
            int rc = (int) Native.DOMAIN_QEMU_MONITOR_COMMAND_WITH_FILES.invokeExact(handle(), a.allocateFrom(qmpRequest(command, arguments)),
                    1, fds, MemorySegment.NULL, MemorySegment.NULL, result, 0);
            if (rc < 0) throw fail("monitor command '" + command + "' (with a file) failed on");
            MemorySegment p = result.get(ADDRESS, 0);
            try {
                reply = Native.string(p, MAX_MONITOR_REPLY);
            } finally {
                Native.free(p);
            }
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return qmpReturn(command, reply);
    }

    /** {@return the native handle, for event registrations on its connection} */
    MemorySegment nativeHandle() { return handle(); }

    /** Pauses the domain's vCPUs ({@code virDomainSuspend}): libvirt's own pause, which it tracks as PAUSED. */
    public void suspend() { simple(Native.DOMAIN_SUSPEND, "cannot suspend"); }

    /** Resumes a domain paused by {@link #suspend} ({@code virDomainResume}). */
    public void resume() { simple(Native.DOMAIN_RESUME, "cannot resume"); }

    private void simple(java.lang.invoke.MethodHandle h, String what) {
        try {
            int rc = (int) h.invokeExact(handle());
            if (rc < 0) throw fail(what);
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@return the connection this domain handle came from} */
    public LibvirtConnection connection() { return connection; }

    /** Runs an HMP command (e.g. {@code info registers -a}, {@code info mtree -f}) and returns its text. */
    public String hmp(String command) { return monitor(command, Native.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP); }

    private String monitor(String cmd, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment result = a.allocate(ADDRESS);
            int rc = (int) Native.DOMAIN_QEMU_MONITOR_COMMAND.invokeExact(handle(), a.allocateFrom(cmd), result, flags);
            if (rc < 0) throw fail("monitor command '" + cmd + "' failed on");
            MemorySegment p = result.get(ADDRESS, 0);
            try {
                return Native.string(p, MAX_MONITOR_REPLY);
            } finally {
                Native.free(p);
            }
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Copies guest-physical [pa, pa+length) into {@code dst} with {@code virDomainMemoryPeek}, in calls of at most
     * 64 KiB (libvirt's RPC limit). Slow (QEMU writes each piece to a file libvirt reads back) but needs no access to
     * the RAM file: the fallback when the domain's RAM is not a shared file CHIRP can map.
     */
    public void memoryPeek(long pa, MemorySegment dst, long dstOffset, long length) {
        if (length < 0 || pa < 0 || pa + length < 0) throw ChirpException.usage("bad peek range at 0x" + Long.toHexString(pa));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.min(length, Native.PEEK_MAX));
            long done = 0;
            while (done < length) {
                long n = Math.min(length - done, Native.PEEK_MAX);
                int rc = (int) Native.DOMAIN_MEMORY_PEEK.invokeExact(handle(), pa + done, n, buf, Native.VIR_MEMORY_PHYSICAL);
                if (rc < 0) throw fail("memoryPeek at 0x" + Long.toHexString(pa + done) + " failed on");
                MemorySegment.copy(buf, 0, dst, dstOffset + done, n);
                done += n;
            }
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * {@return the domain's memory-backend objects, as QEMU reports them through the monitor}
     * libvirt names the RAM file itself ({@code <memory_backing_dir>/libvirt/qemu/<id>-<name>/pc.ram} today), so the
     * path is asked of QEMU ({@code qom-get mem-path}) rather than guessed from libvirt's conventions.
     */
    public List<RamBackend> ramBackends() {
        JsonNode objects = qmp("qom-list", JSON.createObjectNode().put("path", "/objects"));
        List<RamBackend> out = new ArrayList<>();
        for (JsonNode o : objects) {
            String type = o.path("type").asText();
            if (!type.startsWith("child<memory-backend-")) continue;
            String id = o.path("name").asText();
            if (!id.matches("[A-Za-z0-9_.-]{1,128}")) continue;
            String path = "/objects/" + id;
            long size = qomGet(path, "size").asLong(-1);
            boolean share = qomGet(path, "share").asBoolean(false);
            String memPath = type.equals("child<memory-backend-file>") ? qomGet(path, "mem-path").asText(null) : null;
            out.add(new RamBackend(id, type.substring(6, type.length() - 1), memPath == null ? null : java.nio.file.Path.of(memPath),
                    size, share));
        }
        return List.copyOf(out);
    }

    private JsonNode qomGet(String path, String property) {
        return qmp("qom-get", JSON.createObjectNode().put("path", path).put("property", property));
    }

    static DomainInfo info(MemorySegment d) throws Throwable {
        DomainInfo id = identity(d);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(JAVA_INT), reason = a.allocate(JAVA_INT);
            int rc = (int) Native.DOMAIN_GET_STATE.invokeExact(d, state, reason, 0);
            if (rc < 0) throw ChirpException.unavailable("cannot read the state of " + id.name() + ": " + Native.lastError());
            int running = (int) Native.DOMAIN_GET_ID.invokeExact(d);
            int persistent = (int) Native.DOMAIN_IS_PERSISTENT.invokeExact(d);
            return new DomainInfo(id.name(), id.uuid(), running, DomainState.of(state.get(JAVA_INT, 0)), persistent == 1);
        }
    }

    /** {@return name and UUID only (local calls, safe inside an event callback)} */
    static DomainInfo identity(MemorySegment d) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            String name = Native.string((MemorySegment) Native.DOMAIN_GET_NAME.invokeExact(d), 4096);
            MemorySegment uuid = a.allocate(Native.UUID_STRING_BUFLEN);
            int rc = (int) Native.DOMAIN_GET_UUID_STRING.invokeExact(d, uuid);
            return new DomainInfo(name, rc < 0 ? "" : Native.string(uuid, Native.UUID_STRING_BUFLEN), -1,
                    DomainState.UNKNOWN, false);
        }
    }

    private ChirpException fail(String what) {
        String err = Native.lastError();
        String name;
        try {
            name = identity(dom).name();
        } catch (Throwable t) {
            name = "(domain)";
        }
        return new ChirpException(ChirpException.Kind.IO, what + " libvirt domain " + name + ": " + err);
    }

    private synchronized MemorySegment handle() {
        if (closed) throw new IllegalStateException("libvirt domain handle is closed");
        connection.handle();
        return dom;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            int ignored = (int) Native.DOMAIN_FREE.invokeExact(dom);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
