package io.chirp.linux.scan;

import io.chirp.core.ChirpException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * YARA rules compiled once by the real libyara (Debian's {@code libyara9}, YARA 4.2), bound with the FFM API, and
 * scans of byte buffers with them. Each match names its rule, string and offset in the buffer.
 *
 * <p>Hostile rules are bounded: the source is capped in size, every scan has a timeout (libyara's own), and a scan
 * stops after {@code maxMatches} matches (reported as truncated). The struct offsets read below are those of
 * libyara.so.9 (YR_RULE, YR_STRING, YR_MATCH, YR_SCAN_CONTEXT.matches); the soname is loaded explicitly so another
 * ABI never binds silently. libyara packs its arena structs, so every field is read unaligned.
 */
public final class Yara implements AutoCloseable {
    /** The largest rules source accepted. */
    public static final int MAX_RULES_BYTES = 4 << 20;
    private static final String LIBRARY = "libyara.so.9";
    private static final int MSG_RULE_MATCHING = 1, MSG_TOO_MANY_MATCHES = 6, CONTINUE = 0, ABORT = 1;
    private static final int ERROR_SCAN_TIMEOUT = 26, ERROR_SUCCESS = 0;
    // libyara.so.9 layouts (checked with offsetof against /usr/include/yara 4.2.3)
    private static final long RULE_IDENTIFIER = 8, RULE_STRINGS = 32, STRING_SIZE = 56, STRING_FLAGS = 0,
            STRING_IDX = 4, STRING_IDENTIFIER = 48, MATCH_BASE = 0, MATCH_OFFSET = 8, MATCH_LENGTH = 16,
            MATCH_NEXT = 40, MATCH_PRIVATE = 52, MATCHES_SIZE = 24, MATCHES_HEAD = 0, CONTEXT_MATCHES = 160;
    private static final int STRING_LAST_IN_RULE = 4096;
    private static final int MAX_STRINGS_PER_RULE = 1 << 16, MAX_MATCHES_PER_STRING = 1 << 20;

    /**
     * One match.
     *
     * @param rule   the rule's identifier
     * @param string the string's identifier ($a)
     * @param offset offset in the scanned buffer
     * @param length match length
     */
    public record Match(String rule, String string, long offset, int length) {}

    /**
     * What a scan found.
     *
     * @param matches   in the order libyara reported them
     * @param truncated true if the scan stopped at the match cap or timed out
     * @param problem   why it was truncated ("" if not)
     */
    public record Result(List<Match> matches, boolean truncated, String problem) {
        public Result { matches = List.copyOf(matches); }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static volatile Native lib;

    /** The bound functions, looked up once per JVM. */
    private record Native(MethodHandle initialize, MethodHandle compilerCreate, MethodHandle compilerDestroy,
                          MethodHandle compilerSetCallback, MethodHandle compilerAddString, MethodHandle compilerGetRules,
                          MethodHandle rulesDestroy, MethodHandle scannerCreate, MethodHandle scannerDestroy,
                          MethodHandle scannerSetCallback, MethodHandle scannerSetTimeout, MethodHandle scannerScanMem) {}

    private final MemorySegment rules;
    private final int timeoutSeconds, maxMatches;
    private boolean closed;

    private Yara(MemorySegment rules, int timeoutSeconds, int maxMatches) {
        this.rules = rules;
        this.timeoutSeconds = timeoutSeconds;
        this.maxMatches = maxMatches;
    }

    private static Native lib() {
        Native n = lib;
        if (n != null) return n;
        synchronized (Yara.class) {
            if (lib != null) return lib;
            SymbolLookup l;
            try {
                l = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
            } catch (IllegalArgumentException e) {
                throw ChirpException.unavailable("libyara not found (" + LIBRARY + "): apt-get install libyara9");
            }
            n = new Native(
                    h(l, "yr_initialize", FunctionDescriptor.of(JAVA_INT)),
                    h(l, "yr_compiler_create", FunctionDescriptor.of(JAVA_INT, ADDRESS)),
                    h(l, "yr_compiler_destroy", FunctionDescriptor.ofVoid(ADDRESS)),
                    h(l, "yr_compiler_set_callback", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS)),
                    h(l, "yr_compiler_add_string", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS)),
                    h(l, "yr_compiler_get_rules", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS)),
                    h(l, "yr_rules_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS)),
                    h(l, "yr_scanner_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS)),
                    h(l, "yr_scanner_destroy", FunctionDescriptor.ofVoid(ADDRESS)),
                    h(l, "yr_scanner_set_callback", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS)),
                    h(l, "yr_scanner_set_timeout", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT)),
                    h(l, "yr_scanner_scan_mem", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG)));
            try {
                int rc = (int) n.initialize().invokeExact();
                if (rc != ERROR_SUCCESS) throw ChirpException.unavailable("yr_initialize failed: error " + rc);
            } catch (ChirpException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            lib = n;
            return n;
        }
    }

    private static MethodHandle h(SymbolLookup l, String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(l.find(name).orElseThrow(() -> ChirpException.unavailable(LIBRARY + " has no " + name)), d);
    }

    /**
     * Compiles {@code source} once.
     *
     * @throws ChirpException USAGE with libyara's messages if the rules do not compile, or are too large
     */
    public static Yara compile(String source, int timeoutSeconds, int maxMatches) {
        byte[] src = source.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (src.length > MAX_RULES_BYTES) throw ChirpException.usage("rules are " + src.length + " bytes; at most " + MAX_RULES_BYTES);
        if (timeoutSeconds <= 0 || maxMatches <= 0) throw ChirpException.usage("timeout and match cap must be positive");
        Native n = lib();
        List<String> errors = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pp = a.allocate(ADDRESS);
            check((int) n.compilerCreate().invokeExact(pp), "yr_compiler_create");
            MemorySegment compiler = pp.get(ADDRESS, 0);
            try {
                MethodHandle cb = MethodHandles.lookup().findStatic(Yara.class, "compilerMessage",
                        MethodType.methodType(void.class, List.class, int.class, MemorySegment.class, int.class,
                                MemorySegment.class, MemorySegment.class, MemorySegment.class)).bindTo(errors);
                MemorySegment stub = LINKER.upcallStub(cb, FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                        ADDRESS, ADDRESS), a);
                n.compilerSetCallback().invokeExact(compiler, stub, MemorySegment.NULL);
                int bad = (int) n.compilerAddString().invokeExact(compiler, a.allocateFrom(source), MemorySegment.NULL);
                if (bad > 0) throw ChirpException.usage("YARA rules do not compile: " + String.join("; ", errors));
                check((int) n.compilerGetRules().invokeExact(compiler, pp), "yr_compiler_get_rules");
                return new Yara(pp.get(ADDRESS, 0), timeoutSeconds, maxMatches);
            } finally {
                n.compilerDestroy().invokeExact(compiler);
            }
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("libyara call failed", t);
        }
    }

    @SuppressWarnings("unused") // called by libyara through the upcall stub
    private static void compilerMessage(List<String> errors, int level, MemorySegment file, int line, MemorySegment rule,
                                        MemorySegment message, MemorySegment user) {
        // an exception must not unwind into libyara: the JVM would stop
        try {
            if (errors.size() < 100) errors.add((level == 0 ? "error" : "warning") + " line " + line + ": " + cstring(message));
        } catch (RuntimeException e) {
            errors.add("(unreadable message)");
        }
    }

    /** Scans {@code data}; {@return the matches, offsets relative to its start} */
    public Result scan(byte[] data) {
        if (closed) throw new IllegalStateException("closed");
        Native n = lib();
        List<Match> out = new ArrayList<>();
        boolean[] capped = {false};
        String[] failure = {null};
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pp = a.allocate(ADDRESS);
            check((int) n.scannerCreate().invokeExact(rules, pp), "yr_scanner_create");
            MemorySegment scanner = pp.get(ADDRESS, 0);
            try {
                MethodHandle cb = MethodHandles.lookup().findVirtual(Yara.class, "scanMessage",
                        MethodType.methodType(int.class, List.class, boolean[].class, String[].class, MemorySegment.class,
                                int.class, MemorySegment.class, MemorySegment.class)).bindTo(this).bindTo(out).bindTo(capped)
                        .bindTo(failure);
                MemorySegment stub = LINKER.upcallStub(cb, FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS), a);
                n.scannerSetCallback().invokeExact(scanner, stub, MemorySegment.NULL);
                n.scannerSetTimeout().invokeExact(scanner, timeoutSeconds);
                MemorySegment buf = a.allocate(Math.max(1, data.length));
                MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
                int rc = (int) n.scannerScanMem().invokeExact(scanner, buf, (long) data.length);
                if (rc == ERROR_SCAN_TIMEOUT) return new Result(out, true, "scan timed out after " + timeoutSeconds + " s");
                if (failure[0] != null) return new Result(out, true, "match walk failed: " + failure[0]);
                if (capped[0]) return new Result(out, true, "stopped at " + maxMatches + " matches");
                if (rc != ERROR_SUCCESS) return new Result(out, true, "libyara scan error " + rc);
                return new Result(out, false, "");
            } finally {
                n.scannerDestroy().invokeExact(scanner);
            }
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("libyara call failed", t);
        }
    }

    /** The scan callback: on a matching rule, walks its strings and their matches (yr_rule_strings_foreach). */
    @SuppressWarnings("unused")
    private int scanMessage(List<Match> out, boolean[] capped, String[] failure, MemorySegment context, int message, MemorySegment data,
                            MemorySegment user) {
        try {
            return onMessage(out, capped, context, message, data);
        } catch (RuntimeException e) {
            // an exception must not unwind into libyara: stop the scan, reported as truncated with the reason
            failure[0] = e.toString();
            return ABORT;
        }
    }

    private int onMessage(List<Match> out, boolean[] capped, MemorySegment context, int message, MemorySegment data) {
        if (message == MSG_TOO_MANY_MATCHES) {
            capped[0] = true;
            return ABORT;
        }
        if (message != MSG_RULE_MATCHING) return CONTINUE;
        MemorySegment rule = data.reinterpret(64);
        String ruleName = cstring(rule.get(ValueLayout.ADDRESS_UNALIGNED, RULE_IDENTIFIER));
        MemorySegment matches = context.reinterpret(CONTEXT_MATCHES + 8).get(ValueLayout.ADDRESS_UNALIGNED, CONTEXT_MATCHES);
        MemorySegment strings = rule.get(ValueLayout.ADDRESS_UNALIGNED, RULE_STRINGS);
        if (strings.address() == 0) return CONTINUE;
        strings = strings.reinterpret(STRING_SIZE * MAX_STRINGS_PER_RULE);
        for (int s = 0; s < MAX_STRINGS_PER_RULE; s++) {
            long base = STRING_SIZE * s;
            int flags = strings.get(ValueLayout.JAVA_INT_UNALIGNED, base + STRING_FLAGS);
            int idx = strings.get(ValueLayout.JAVA_INT_UNALIGNED, base + STRING_IDX);
            String id = cstring(strings.get(ValueLayout.ADDRESS_UNALIGNED, base + STRING_IDENTIFIER));
            MemorySegment m = matches.reinterpret((idx + 1L) * MATCHES_SIZE).get(ValueLayout.ADDRESS_UNALIGNED, idx * MATCHES_SIZE + MATCHES_HEAD);
            for (int c = 0; c < MAX_MATCHES_PER_STRING && m.address() != 0; c++) {
                MemorySegment match = m.reinterpret(64);
                if (match.get(ValueLayout.JAVA_BOOLEAN, MATCH_PRIVATE)) {
                    m = match.get(ValueLayout.ADDRESS_UNALIGNED, MATCH_NEXT);
                    continue;
                }
                if (out.size() >= maxMatches) {
                    capped[0] = true;
                    return ABORT;
                }
                out.add(new Match(ruleName, id, match.get(ValueLayout.JAVA_LONG_UNALIGNED, MATCH_BASE) + match.get(ValueLayout.JAVA_LONG_UNALIGNED, MATCH_OFFSET),
                        match.get(ValueLayout.JAVA_INT_UNALIGNED, MATCH_LENGTH)));
                m = match.get(ValueLayout.ADDRESS_UNALIGNED, MATCH_NEXT);
            }
            if ((flags & STRING_LAST_IN_RULE) != 0) break;
        }
        return CONTINUE;
    }

    private static String cstring(MemorySegment p) {
        return p.address() == 0 ? "" : p.reinterpret(1024).getString(0);
    }

    private static void check(int rc, String what) {
        if (rc != ERROR_SUCCESS) throw ChirpException.unavailable(what + " failed: libyara error " + rc);
    }

    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            int ignored = (int) lib().rulesDestroy().invokeExact(rules);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
