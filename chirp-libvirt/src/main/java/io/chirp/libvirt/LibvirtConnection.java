package io.chirp.libvirt;

import io.chirp.core.ChirpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A connection to a libvirt daemon ({@code virConnectPtr}): lists domains, opens them, delivers lifecycle events.
 * Thread-safe (libvirt connections are). Closing it ends its event registrations; domains opened from it must be
 * closed first.
 */
// Restricted FFM methods are the point of this class; the JVM flag that allows them is documented in package-info.
@SuppressWarnings("restricted")
public final class LibvirtConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LibvirtConnection.class);
    /** A listing of more domains than this is not believed: a host runs hundreds at most. */
    private static final int MAX_DOMAINS = 100_000;

    /** Event listeners by the id passed to libvirt as the callback's opaque pointer. */
    private static final Map<Long, Consumer<LifecycleEvent>> LISTENERS = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT_LISTENER = new AtomicLong(1);
    private static final MemorySegment LIFECYCLE_STUB;
    /** QEMU monitor event listeners, by the id passed as the callback's opaque pointer. */
    private static final Map<Long, Consumer<io.chirp.hypervisor.qemu.QmpClient.Event>> QEMU_LISTENERS = new ConcurrentHashMap<>();
    private static final MemorySegment QEMU_EVENT_STUB;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** A QEMU event's details are a small JSON object; more than this is not read. */
    private static final long MAX_EVENT_DETAILS = 1 << 20;

    static {
        MemorySegment stub = MemorySegment.NULL;
        if (Native.CONNECT_OPEN != null) {
            try {
                MethodHandle target = MethodHandles.lookup().findStatic(LibvirtConnection.class, "onLifecycle",
                        MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, int.class, int.class,
                                MemorySegment.class));
                // int (*)(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
                stub = Native.linker().upcallStub(target,
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), Arena.global());
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        LIFECYCLE_STUB = stub;
        MemorySegment qstub = MemorySegment.NULL;
        if (Native.CONNECT_QEMU_MONITOR_EVENT_REGISTER != null) {
            try {
                MethodHandle target = MethodHandles.lookup().findStatic(LibvirtConnection.class, "onQemuEvent",
                        MethodType.methodType(void.class, MemorySegment.class, MemorySegment.class, MemorySegment.class,
                                long.class, int.class, MemorySegment.class, MemorySegment.class));
                // void (*)(virConnectPtr conn, virDomainPtr dom, const char *event, long long seconds,
                //          unsigned int micros, const char *details, void *opaque)
                qstub = Native.linker().upcallStub(target, FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS,
                        java.lang.foreign.ValueLayout.JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        QEMU_EVENT_STUB = qstub;
    }

    private final String uri;
    private final MemorySegment conn;
    private final List<Integer> callbackIds = new ArrayList<>();
    private final List<Long> listenerIds = new ArrayList<>();
    private final List<Integer> qemuCallbackIds = new ArrayList<>();
    private boolean closed;

    private LibvirtConnection(String uri, MemorySegment conn) {
        this.uri = uri;
        this.conn = conn;
    }

    /**
     * Opens a read-write connection (needed for the QEMU monitor passthrough and for memory peeks) to {@code uri},
     * e.g. {@code qemu:///system} or {@code qemu+unix:///system?socket=/path/libvirt-sock}. Starts libvirt's event loop
     * first, so the connection can deliver events.
     */
    public static LibvirtConnection open(String uri) {
        Native.requireLoaded();
        EventLoop.ensureRunning();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = (MemorySegment) Native.CONNECT_OPEN.invokeExact(a.allocateFrom(uri));
            if (c.equals(MemorySegment.NULL)) {
                throw ChirpException.unavailable("cannot connect to libvirt at " + uri + ": " + Native.lastError());
            }
            // Keepalive: a daemon that dies or hangs is noticed within ~15 s instead of a call blocking forever.
            int ka = (int) Native.CONNECT_SET_KEEPALIVE.invokeExact(c, 5, 3);
            if (ka < 0) log.debug("no keepalive on {}: {}", uri, Native.lastError());
            return new LibvirtConnection(uri, c);
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@return the URI this connection was opened with} */
    public String uri() { return uri; }

    /** {@return every domain the daemon knows, running or not} */
    public List<DomainInfo> domains() {
        ensureOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int n = (int) Native.CONNECT_LIST_ALL_DOMAINS.invokeExact(conn, out, 0);
            if (n < 0) throw ChirpException.unavailable("cannot list domains of " + uri + ": " + Native.lastError());
            MemorySegment array = out.get(ADDRESS, 0).reinterpret(ADDRESS.byteSize() * Math.max(n, 0));
            try {
                if (n > MAX_DOMAINS) throw ChirpException.corrupt("libvirt listed " + n + " domains");
                List<DomainInfo> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(LibvirtDomain.info(array.getAtIndex(ADDRESS, i)));
                }
                return List.copyOf(list);
            } finally {
                for (int i = 0; i < n; i++) {
                    int ignored = (int) Native.DOMAIN_FREE.invokeExact(array.getAtIndex(ADDRESS, i));
                }
                Native.free(array);
            }
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@return the domain with this name; close it when done} */
    public LibvirtDomain domain(String name) {
        ensureOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment d = (MemorySegment) Native.DOMAIN_LOOKUP_BY_NAME.invokeExact(conn, a.allocateFrom(name));
            if (d.equals(MemorySegment.NULL)) {
                throw ChirpException.notFound("no libvirt domain named " + name + " at " + uri + ": " + Native.lastError());
            }
            return new LibvirtDomain(this, d);
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Delivers every domain's lifecycle events to {@code listener}, on libvirt's event-loop thread, until the
     * connection closes. The listener must be quick (hand events to a queue); what it throws is logged and dropped.
     */
    public synchronized io.chirp.hypervisor.backend.Subscription onLifecycle(Consumer<LifecycleEvent> listener) {
        ensureOpen();
        long id = NEXT_LISTENER.getAndIncrement();
        LISTENERS.put(id, listener);
        try {
            int cb = (int) Native.CONNECT_DOMAIN_EVENT_REGISTER_ANY.invokeExact(conn, MemorySegment.NULL,
                    Native.VIR_DOMAIN_EVENT_ID_LIFECYCLE, LIFECYCLE_STUB, MemorySegment.ofAddress(id), MemorySegment.NULL);
            if (cb < 0) {
                LISTENERS.remove(id);
                throw ChirpException.unavailable("cannot register for lifecycle events at " + uri + ": " + Native.lastError());
            }
            callbackIds.add(cb);
            listenerIds.add(id);
            return () -> deregister(cb, id);
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            LISTENERS.remove(id);
            throw new IllegalStateException(t);
        }
    }

    /**
     * Delivers QEMU's own monitor events of domain {@code d} (STOP, RESUME, MIGRATION, ... with QEMU's timestamps)
     * to {@code listener}, on libvirt's event-loop thread, until the subscription or the connection closes
     * ({@code virConnectDomainQemuMonitorEventRegister}). The listener must be quick.
     */
    public synchronized io.chirp.hypervisor.backend.Subscription onQemuEvent(LibvirtDomain d,
                                                                          Consumer<io.chirp.hypervisor.qemu.QmpClient.Event> listener) {
        ensureOpen();
        if (Native.CONNECT_QEMU_MONITOR_EVENT_REGISTER == null) {
            throw ChirpException.unavailable("this libvirt has no virConnectDomainQemuMonitorEventRegister");
        }
        long id = NEXT_LISTENER.getAndIncrement();
        QEMU_LISTENERS.put(id, listener);
        try {
            int cb = (int) Native.CONNECT_QEMU_MONITOR_EVENT_REGISTER.invokeExact(conn, d.nativeHandle(), MemorySegment.NULL,
                    QEMU_EVENT_STUB, MemorySegment.ofAddress(id), MemorySegment.NULL, 0);
            if (cb < 0) {
                QEMU_LISTENERS.remove(id);
                throw ChirpException.unavailable("cannot register for QEMU monitor events at " + uri + ": " + Native.lastError());
            }
            qemuCallbackIds.add(cb);
            return () -> deregisterQemu(cb, id);
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            QEMU_LISTENERS.remove(id);
            throw new IllegalStateException(t);
        }
    }

    private synchronized void deregisterQemu(int cb, long id) {
        QEMU_LISTENERS.remove(id);
        if (closed || !qemuCallbackIds.remove(Integer.valueOf(cb))) return;
        try {
            int ignored = (int) Native.CONNECT_QEMU_MONITOR_EVENT_DEREGISTER.invokeExact(conn, cb);
        } catch (Throwable t) {
            log.debug("deregistering QEMU event callback {}: {}", cb, t.toString());
        }
    }

    /** The QEMU event upcall: runs on the event-loop thread, inside libvirt; it must not throw. */
    private static void onQemuEvent(MemorySegment conn, MemorySegment dom, MemorySegment event, long seconds, int micros,
                                    MemorySegment details, MemorySegment opaque) {
        try {
            Consumer<io.chirp.hypervisor.qemu.QmpClient.Event> l = QEMU_LISTENERS.get(opaque.address());
            if (l == null) return;
            String name = Native.string(event, 256);
            String json = Native.string(details, MAX_EVENT_DETAILS);
            com.fasterxml.jackson.databind.JsonNode data = json == null || json.isEmpty()
                    ? JSON.createObjectNode() : JSON.readTree(json);
            l.accept(new io.chirp.hypervisor.qemu.QmpClient.Event(name, data,
                    seconds * 1_000_000L + Integer.toUnsignedLong(micros)));
        } catch (Throwable t) {
            log.warn("QEMU event listener failed", t);
        }
    }

    /** Ends one registration (idempotent; the connection's close ends the rest). */
    private synchronized void deregister(int cb, long id) {
        LISTENERS.remove(id);
        if (closed || !callbackIds.remove(Integer.valueOf(cb))) return;
        listenerIds.remove(Long.valueOf(id));
        try {
            int ignored = (int) Native.CONNECT_DOMAIN_EVENT_DEREGISTER_ANY.invokeExact(conn, cb);
        } catch (Throwable t) {
            log.debug("deregistering lifecycle callback {}: {}", cb, t.toString());
        }
    }

    /** The upcall: runs on the event-loop thread, inside libvirt; it must not throw. */
    private static int onLifecycle(MemorySegment conn, MemorySegment dom, int event, int detail, MemorySegment opaque) {
        try {
            Consumer<LifecycleEvent> l = LISTENERS.get(opaque.address());
            if (l == null) return 0;
            DomainInfo d = LibvirtDomain.identity(dom);
            l.accept(new LifecycleEvent(d.name(), d.uuid(), LifecycleEvent.Type.of(event), detail, Instant.now()));
        } catch (Throwable t) {
            log.warn("lifecycle listener failed", t);
        }
        return 0;
    }

    MemorySegment handle() {
        ensureOpen();
        return conn;
    }

    private synchronized void ensureOpen() {
        if (closed) throw new IllegalStateException("libvirt connection to " + uri + " is closed");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            for (int cb : callbackIds) {
                int ignored = (int) Native.CONNECT_DOMAIN_EVENT_DEREGISTER_ANY.invokeExact(conn, cb);
            }
            for (long id : listenerIds) LISTENERS.remove(id);
            for (int cb : qemuCallbackIds) {
                int ignored = (int) Native.CONNECT_QEMU_MONITOR_EVENT_DEREGISTER.invokeExact(conn, cb);
            }
            int ignored = (int) Native.CONNECT_CLOSE.invokeExact(conn);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
