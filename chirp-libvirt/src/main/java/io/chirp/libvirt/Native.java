package io.chirp.libvirt;

import io.chirp.core.ChirpException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libvirt C functions CHIRP calls, as FFM downcall handles. The libraries are looked up by their soname
 * ({@code libvirt.so.0}, {@code libvirt-qemu.so.0}: Debian's {@code libvirt0}), so no {@code -dev} package is
 * needed. Everything here is a thin 1:1 wrapper; the Java-shaped API is {@link LibvirtConnection}.
 *
 * <p>libvirt reports errors per OS thread ({@code virGetLastErrorMessage}); callers read it right after the failed
 * call, on the same platform thread.
 */
// Restricted FFM methods are the point of this class; the JVM flag that allows them is documented in package-info.
@SuppressWarnings("restricted")
final class Native {
    private Native() {}

    /** VIR_MEMORY_PHYSICAL: memoryPeek's start is a guest-physical address. */
    static final int VIR_MEMORY_PHYSICAL = 2;
    /** VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP: the command is HMP text, not QMP JSON. */
    static final int VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP = 1;
    /** VIR_DOMAIN_EVENT_ID_LIFECYCLE. */
    static final int VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0;
    /** VIR_UUID_STRING_BUFLEN. */
    static final int UUID_STRING_BUFLEN = 37;
    /** libvirt's RPC caps one memoryPeek at REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX bytes. */
    static final int PEEK_MAX = 65536;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup VIRT;
    private static final SymbolLookup VIRT_QEMU;
    private static final RuntimeException LOAD_ERROR;

    static {
        SymbolLookup v = null, q = null;
        RuntimeException err = null;
        try {
            v = SymbolLookup.libraryLookup("libvirt.so.0", Arena.global());
            q = SymbolLookup.libraryLookup("libvirt-qemu.so.0", Arena.global());
        } catch (IllegalArgumentException | IllegalCallerException e) {
            err = ChirpException.unavailable("cannot load libvirt (libvirt.so.0, libvirt-qemu.so.0): " + e.getMessage()
                    + "; install it with: apt-get install libvirt0 (or run ./chirp setup as root)"
                    + (e instanceof IllegalCallerException ? "; run java with --enable-native-access=ALL-UNNAMED" : ""));
        }
        VIRT = v;
        VIRT_QEMU = q;
        LOAD_ERROR = err;
    }

    // virConnectPtr virConnectOpen(const char *name)
    static final MethodHandle CONNECT_OPEN = virt("virConnectOpen", FunctionDescriptor.of(ADDRESS, ADDRESS));
    // int virConnectClose(virConnectPtr conn)
    static final MethodHandle CONNECT_CLOSE = virt("virConnectClose", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int virConnectSetKeepAlive(virConnectPtr conn, int interval, unsigned int count)
    static final MethodHandle CONNECT_SET_KEEPALIVE = virt("virConnectSetKeepAlive",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    // int virConnectListAllDomains(virConnectPtr conn, virDomainPtr **domains, unsigned int flags)
    static final MethodHandle CONNECT_LIST_ALL_DOMAINS = virt("virConnectListAllDomains",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    // virDomainPtr virDomainLookupByName(virConnectPtr conn, const char *name)
    static final MethodHandle DOMAIN_LOOKUP_BY_NAME = virt("virDomainLookupByName",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    // int virDomainFree(virDomainPtr domain)
    static final MethodHandle DOMAIN_FREE = virt("virDomainFree", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // const char *virDomainGetName(virDomainPtr domain)
    static final MethodHandle DOMAIN_GET_NAME = virt("virDomainGetName", FunctionDescriptor.of(ADDRESS, ADDRESS));
    // int virDomainGetUUIDString(virDomainPtr domain, char *buf)
    static final MethodHandle DOMAIN_GET_UUID_STRING = virt("virDomainGetUUIDString",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    // unsigned int virDomainGetID(virDomainPtr domain)
    static final MethodHandle DOMAIN_GET_ID = virt("virDomainGetID", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int virDomainGetState(virDomainPtr domain, int *state, int *reason, unsigned int flags)
    static final MethodHandle DOMAIN_GET_STATE = virt("virDomainGetState",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    // int virDomainIsPersistent(virDomainPtr dom)
    static final MethodHandle DOMAIN_IS_PERSISTENT = virt("virDomainIsPersistent",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // char *virDomainGetXMLDesc(virDomainPtr domain, unsigned int flags)
    static final MethodHandle DOMAIN_GET_XML_DESC = virt("virDomainGetXMLDesc",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    // int virDomainMemoryPeek(virDomainPtr dom, unsigned long long start, size_t size, void *buffer, unsigned int flags)
    static final MethodHandle DOMAIN_MEMORY_PEEK = virt("virDomainMemoryPeek",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT));
    // int virDomainSuspend(virDomainPtr domain) / int virDomainResume(virDomainPtr domain)
    static final MethodHandle DOMAIN_SUSPEND = virt("virDomainSuspend", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle DOMAIN_RESUME = virt("virDomainResume", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int virDomainQemuMonitorCommand(virDomainPtr domain, const char *cmd, char **result, unsigned int flags)
    static final MethodHandle DOMAIN_QEMU_MONITOR_COMMAND = qemu("virDomainQemuMonitorCommand",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    // int virDomainQemuMonitorCommandWithFiles(virDomainPtr domain, const char *cmd, unsigned int ninfiles,
    //                                         int *infiles, unsigned int *noutfiles, int **outfiles, char **result,
    //                                         unsigned int flags)   (libvirt 8.2: file descriptors go with the command)
    static final MethodHandle DOMAIN_QEMU_MONITOR_COMMAND_WITH_FILES = qemu("virDomainQemuMonitorCommandWithFiles",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    // int virConnectDomainQemuMonitorEventRegister(virConnectPtr conn, virDomainPtr dom, const char *event,
    //     virConnectDomainQemuMonitorEventCallback cb, void *opaque, virFreeCallback freecb, unsigned int flags)
    static final MethodHandle CONNECT_QEMU_MONITOR_EVENT_REGISTER = qemu("virConnectDomainQemuMonitorEventRegister",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    // int virConnectDomainQemuMonitorEventDeregister(virConnectPtr conn, int callbackID)
    static final MethodHandle CONNECT_QEMU_MONITOR_EVENT_DEREGISTER = qemu("virConnectDomainQemuMonitorEventDeregister",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // libc: int pipe2(int pipefd[2], int flags); ssize_t read(int fd, void *buf, size_t count); int close(int fd)
    static final MethodHandle PIPE2 = libc("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle READ = libc("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            Linker.Option.captureCallState("errno"));
    static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** O_CLOEXEC: the pipe's ends are not inherited by processes CHIRP starts (a guardian must not hold the write end). */
    static final int O_CLOEXEC = 02000000;
    static final int EINTR = 4;

    // const char *virGetLastErrorMessage(void)
    static final MethodHandle GET_LAST_ERROR_MESSAGE = virt("virGetLastErrorMessage", FunctionDescriptor.of(ADDRESS));
    // int virEventRegisterDefaultImpl(void)
    static final MethodHandle EVENT_REGISTER_DEFAULT_IMPL = virt("virEventRegisterDefaultImpl",
            FunctionDescriptor.of(JAVA_INT));
    // int virEventRunDefaultImpl(void)
    static final MethodHandle EVENT_RUN_DEFAULT_IMPL = virt("virEventRunDefaultImpl", FunctionDescriptor.of(JAVA_INT));
    // int virEventAddTimeout(int timeout, virEventTimeoutCallback cb, void *opaque, virFreeCallback ff)
    static final MethodHandle EVENT_ADD_TIMEOUT = virt("virEventAddTimeout",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    // int virConnectDomainEventRegisterAny(virConnectPtr conn, virDomainPtr dom, int eventID,
    //                                      virConnectDomainEventGenericCallback cb, void *opaque, virFreeCallback freecb)
    static final MethodHandle CONNECT_DOMAIN_EVENT_REGISTER_ANY = virt("virConnectDomainEventRegisterAny",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    // int virConnectDomainEventDeregisterAny(virConnectPtr conn, int callbackID)
    static final MethodHandle CONNECT_DOMAIN_EVENT_DEREGISTER_ANY = virt("virConnectDomainEventDeregisterAny",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // void free(void *) from libc: libvirt's returned strings and arrays are malloc'ed and the caller's to free
    static final MethodHandle FREE = LINKER.downcallHandle(LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(ADDRESS));

    // void virSetErrorFunc(void *userData, virErrorFunc handler)
    static final MethodHandle SET_ERROR_FUNC = virt("virSetErrorFunc", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));

    static {
        // libvirt's default error handler prints every error on stderr ("libvirt: XML-RPC error : ..."), also ones
        // CHIRP expects and reports itself (no daemon at qemu:///system during `chirp vm list`): a no-op handler
        // keeps stderr CHIRP's; the message is still read with virGetLastErrorMessage
        if (SET_ERROR_FUNC != null) {
            try {
                MemorySegment quiet = LINKER.upcallStub(java.lang.invoke.MethodHandles.lookup().findStatic(Native.class,
                        "ignoreError", java.lang.invoke.MethodType.methodType(void.class, MemorySegment.class,
                                MemorySegment.class)), FunctionDescriptor.ofVoid(ADDRESS, ADDRESS), Arena.global());
                SET_ERROR_FUNC.invokeExact(MemorySegment.NULL, quiet);
            } catch (Throwable t) {
                throw new ExceptionInInitializerError(t);
            }
        }
    }

    /** The error handler: must not throw (an upcall that throws kills the JVM); it has nothing to do. */
    private static void ignoreError(MemorySegment userData, MemorySegment error) { }

    static Linker linker() { return LINKER; }

    /** Fails with a clear message if libvirt could not be loaded. */
    static void requireLoaded() {
        if (LOAD_ERROR != null) throw LOAD_ERROR;
    }

    private static MethodHandle virt(String name, FunctionDescriptor fd) { return handle(VIRT, name, fd); }

    private static MethodHandle libc(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, options);
    }

    private static MethodHandle qemu(String name, FunctionDescriptor fd) { return handle(VIRT_QEMU, name, fd); }

    private static MethodHandle handle(SymbolLookup lib, String name, FunctionDescriptor fd) {
        if (lib == null) return null;
        return lib.find(name).map(a -> LINKER.downcallHandle(a, fd)).orElse(null);
    }

    /** {@return libvirt's message for the last error on this thread} */
    static String lastError() {
        try {
            MemorySegment m = (MemorySegment) GET_LAST_ERROR_MESSAGE.invokeExact();
            return string(m, 4096);
        } catch (Throwable t) {
            return "(no error message: " + t + ")";
        }
    }

    /**
     * {@return the NUL-terminated string at {@code p}, read at most {@code max} bytes far}
     * libvirt's strings are not the guest's, but a monitor answer carries guest-influenced text: bounded anyway.
     */
    static String string(MemorySegment p, long max) {
        if (p.equals(MemorySegment.NULL)) return null;
        MemorySegment s = p.reinterpret(max);
        long n = 0;
        while (n < max && s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, n) != 0) n++;
        if (n == max) throw ChirpException.corrupt("libvirt returned a string longer than " + max + " bytes");
        return s.getString(0);
    }

    /** Frees memory libvirt malloc'ed for the caller. */
    static void free(MemorySegment p) {
        if (p.equals(MemorySegment.NULL)) return;
        try {
            FREE.invokeExact(p);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
