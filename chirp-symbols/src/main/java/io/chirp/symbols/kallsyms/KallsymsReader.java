package io.chirp.symbols.kallsyms;

import io.chirp.core.ChirpException;
import io.chirp.core.PhysicalMemory;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.kallsyms.KallsymsLayout.Variant;
import io.chirp.symbols.scan.GuestWindow;
import io.chirp.symbols.scan.PatternScanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds and decodes the kernel's kallsyms tables in guest-physical memory.
 *
 * <p>The token table is the anchor (its "0".."9" run is rare elsewhere and the token index confirms it); the
 * other tables are then located for each {@link Variant} and accepted only if the names decode, the markers
 * land exactly on every 256th entry and the next table starts where the layout says.
 */
public final class KallsymsReader {
    private static final Logger LOG = LoggerFactory.getLogger(KallsymsReader.class);
    static final int MIN_SYMS = 1000;
    static final int MAX_SYMS = 2_000_000;
    /** How far the tables may extend on either side of the token table (names of 2M symbols fit). */
    static final long REACH = 48L << 20;
    /** Token-table candidates we try before giving up (the digits run also occurs in random data). */
    static final int MAX_ANCHORS = 64;

    /** A decoded table: the symbols and where they were found. */
    public record Kallsyms(KernelSymbols symbols, KallsymsLayout layout) {}

    private final PatternScanner scanner;

    public KallsymsReader() { this(new PatternScanner()); }

    public KallsymsReader(PatternScanner scanner) { this.scanner = scanner; }

    /**
     * {@return the kernel symbol table found in {@code memory}}
     *
     * @throws ChirpException NOT_FOUND if no candidate validates
     */
    public Kallsyms read(PhysicalMemory memory) {
        return read(memory, scanner.find(memory, anchorPattern(), MAX_ANCHORS));
    }

    /** {@return the pattern whose hits {@link #read(PhysicalMemory, long[])} wants (for a shared scan)} */
    public static byte[] anchorPattern() { return TokenTable.anchor(); }

    /** {@return the symbol table, trying the given hits of {@link #anchorPattern()} in order} */
    public Kallsyms read(PhysicalMemory memory, long[] anchors) {
        int tables = 0;
        for (long digits : anchors) {
            GuestWindow w = GuestWindow.around(memory, digits, digits - REACH, digits + REACH);
            Optional<TokenTable> tt = TokenTable.at(w, digits);
            if (tt.isEmpty()) continue;
            tables++;
            TokenTable table = tt.get();
            Optional<Kallsyms> k = baseFirst(w, table).or(() -> numSymsFirst(w, table));
            if (k.isPresent()) {
                LOG.debug("kallsyms: {} symbols, {}", k.get().symbols().count(), k.get().layout());
                return k.get();
            }
        }
        throw ChirpException.notFound("no kallsyms table in " + memory.describe() + " (" + anchors.length
                + " token-table anchors, " + tables + " confirmed by a token index, no known layout validated)");
    }

    /**
     * Walks back from the token table for {@code relative_base} (a 2 MiB-aligned kernel VA) then num_syms; what
     * follows the markers (the token table, or seqs_of_names then the token table) tells the two variants apart.
     */
    private static Optional<Kallsyms> baseFirst(GuestWindow w, TokenTable tt) {
        long t = tt.pa();
        for (long rb = (t - 16) & -8L; rb >= w.start(); rb -= 8) {
            long base = w.u64(rb);
            if (!isKernelBase(base)) continue;
            long n = w.u32(rb + 8);
            if (n < MIN_SYMS || n > MAX_SYMS) continue;
            int count = (int) n;
            long offsets = rb - TokenTable.align(4L * count, 8);
            if (!w.contains(offsets, 4L * count)) continue;
            for (long names : new long[] {rb + 16, rb + 12}) {
                NameDecoder.Entries e = NameDecoder.entries(w, names, count, t);
                if (e == null) continue;
                for (int msz : new int[] {4, 8}) {
                    long markers = TokenTable.align(e.end(), 8);
                    if (!NameDecoder.markersMatch(w, markers, msz, e)) continue;
                    long after = TokenTable.align(markers + (long) msz * ((count + 255) >>> 8), 8);
                    long gap = t - (after + 3L * count);
                    Variant v;
                    if (after == t) v = Variant.BASE_FIRST;
                    else if (gap >= 0 && gap < 8) v = Variant.BASE_FIRST_WITH_SEQS;
                    else continue;
                    long seqs = v == Variant.BASE_FIRST ? -1 : after;
                    Optional<Kallsyms> k = build(w, tt, v, offsets, rb, rb + 8, names, markers, msz, seqs, count, base, e);
                    if (k.isPresent()) return k;
                }
            }
        }
        return Optional.empty();
    }

    /** 6.4+: offsets and relative_base follow the token index, so num_syms is found from its consequences. */
    private static Optional<Kallsyms> numSymsFirst(GuestWindow w, TokenTable tt) {
        long t = tt.pa();
        long offsets = TokenTable.align(tt.indexEnd(), 8);
        for (long ns = (t - 8) & -8L; ns >= w.start(); ns -= 8) {
            long n = w.u32(ns);
            if (n < MIN_SYMS || n > MAX_SYMS) continue;
            int count = (int) n;
            long rb = TokenTable.align(offsets + 4L * count, 8);
            if (!w.contains(rb, 8) || !isKernelBase(w.u64(rb))) continue;
            long seqs = rb + 8;
            if (!w.contains(seqs, 3L * count)) continue;
            for (long names : new long[] {ns + 8, ns + 4}) {
                NameDecoder.Entries e = NameDecoder.entries(w, names, count, t);
                if (e == null) continue;
                for (int msz : new int[] {4, 8}) {
                    long markers = TokenTable.align(e.end(), 8);
                    long after = markers + (long) msz * ((count + 255) >>> 8);
                    if (TokenTable.align(after, 8) != t || !NameDecoder.markersMatch(w, markers, msz, e)) continue;
                    Optional<Kallsyms> k = build(w, tt, Variant.NUM_SYMS_FIRST, offsets, rb, ns, names, markers, msz,
                            seqs, count, w.u64(rb), e);
                    if (k.isPresent()) return k;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The kernel image runs in the top 2^48 of the address space (x86-64 links it at 0xffffffff8..., arm64 at
     * 0xffff8000_08000000 with 48-bit VA, 0xffffffc0_08000000 with 39-bit), and KASLR moves it in 2 MiB steps. The
     * base is the lowest symbol kallsyms keeps: {@code _text} on x86-64; on arm64 without CONFIG_KALLSYMS_ALL
     * {@code _stext}, 64 KiB (SEGMENT_ALIGN) above {@code _text}.
     */
    static boolean isKernelBase(long v) {
        return (v >>> 48) == 0xffffL && (v & 0xffffL) == 0;
    }

    private static Optional<Kallsyms> build(GuestWindow w, TokenTable tt, Variant v, long offsets, long rb, long ns,
                                            long names, long markers, int msz, long seqs, int count, long base,
                                            NameDecoder.Entries entries) {
        NameDecoder.Names nm = NameDecoder.expand(w, names, entries, tt);
        if (nm == null) return Optional.empty();
        int[] raw = new int[count];
        boolean anyNegative = false;
        for (int i = 0; i < count; i++) {
            raw[i] = w.s32(offsets + 4L * i);
            anyNegative |= raw[i] < 0;
        }
        // With ABSOLUTE_PERCPU every symbol at or above the base is stored negated; a table without negative
        // entries can only be the plain base-relative encoding.
        KallsymsLayout layout = new KallsymsLayout(v, offsets, rb, ns, names, markers, msz, seqs, tt.pa(),
                tt.indexPa(), count, base, anyNegative);
        List<Symbol> symbols = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            symbols.add(new Symbol(nm.names()[i], layout.address(raw[i]), nm.types()[i]));
        }
        return Optional.of(new Kallsyms(KernelSymbols.of(symbols), layout));
    }
}
