package io.chirp.tables;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysAddr;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.VirtAddr;
import io.chirp.hypervisor.Target;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.MappedBytes;
import io.chirp.paging.PageFlags;
import io.chirp.paging.PagingMode;
import io.chirp.paging.TranslationResult;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

import static io.chirp.tables.ColumnType.HEX;
import static io.chirp.tables.ColumnType.INTEGER;
import static io.chirp.tables.ColumnType.STRING;
import static io.chirp.tables.ColumnType.hex;

/**
 * Raw memory views: address translation ({@code chirp translate}) and reads of guest memory ({@code chirp read}),
 * with the parsing of addresses typed by analysts, shared by the CLI and the API.
 */
public final class MemoryViews {
    /** The most bytes one read returns. */
    public static final long MAX_READ = 64L << 20;

    private MemoryViews() {}

    public static final TableDef<TranslationResult> TRANSLATIONS = TableDef.of("translate",
            "A guest-virtual address and what the guest's page tables map it to.",
            Column.of("virtual", HEX, "the guest-virtual address", r -> hex(va(r))),
            Column.of("physical", HEX, "the guest-physical address, null if not mapped",
                    r -> r instanceof TranslationResult.Mapped m ? hex(m.pa().value()) : null),
            Column.of("page_size", INTEGER, "size of the page that maps it, null if not mapped",
                    r -> r instanceof TranslationResult.Mapped m ? m.pageSize() : null),
            Column.of("flags", STRING, "rwx, user or kernel, global; null if not mapped",
                    r -> r instanceof TranslationResult.Mapped m ? flags(m.flags()) : null),
            Column.of("fault", STRING, "why it is not mapped (the level that failed), null if mapped",
                    r -> r instanceof TranslationResult.Fault f ? f.describe() : null));

    /** A run of bytes that could not be read, and why. */
    public record Hole(long start, long length, String reason) {}

    /** What a read returned: the bytes (zeros in the holes) and the holes. */
    public record Read(long address, byte[] data, List<Hole> holes) {}

    /** {@return every memory table} */
    public static List<TableDef<?>> all() { return List.of(TRANSLATIONS); }

    /** Parses 0x-prefixed hex, plain hex with a-f digits, or decimal; underscores and backquotes are ignored. */
    public static long parse(String s) {
        String t = s.strip().replace("_", "").replace("`", "").toLowerCase(Locale.ROOT);
        try {
            if (t.length() > 24) throw new NumberFormatException();
            if (t.startsWith("0x")) return Long.parseUnsignedLong(t.substring(2), 16);
            if (t.matches(".*[a-f].*")) return Long.parseUnsignedLong(t, 16);
            return Long.parseUnsignedLong(t);
        } catch (NumberFormatException e) {
            throw ChirpException.usage("not an address: " + s + " (use 0x... for hex)");
        }
    }

    /**
     * The address space of vCPU 0, or of an explicit CR3 (mode taken from vCPU 0's control registers, or
     * x86-64 4-level when the target recorded none).
     */
    public static AddressSpace space(Target t, String cr3Text) {
        List<CpuState> cpus = t.cpus();
        CpuState c = cpus.isEmpty() ? null : cpus.getFirst();
        PagingMode mode = PagingMode.X86_64;
        if (c != null && c.cr0().isPresent() && c.cr4().isPresent()) {
            mode = PagingMode.of(c.cr0().getAsLong(), c.cr4().getAsLong(), c.efer());
        }
        long cr3;
        if (cr3Text != null) {
            cr3 = parse(cr3Text);
        } else {
            OptionalLong v = c == null ? OptionalLong.empty() : c.cr3();
            if (v.isEmpty()) throw ChirpException.usage(t.name() + " recorded no CR3: give one with --cr3");
            cr3 = v.getAsLong();
        }
        return AddressSpace.of(t.memory(), mode, new PhysAddr(mode.rootFromCr3(cr3)));
    }

    /** {@code translate}: each address through the page tables; a fault is a row with its reason (and a problem). */
    public static Rows translate(AddressSpace as, List<Long> addresses) {
        List<TranslationResult> rs = new ArrayList<>();
        int faults = 0;
        for (long a : addresses) {
            TranslationResult r = as.translate(new VirtAddr(a));
            if (r instanceof TranslationResult.Fault) faults++;
            rs.add(r);
        }
        List<String> problems = faults == 0 ? List.of()
                : List.of(faults + " of " + addresses.size() + " addresses are not mapped (see the fault column)");
        return TRANSLATIONS.rows(rs, false, problems);
    }

    /** {@code read}: {@code len} bytes at {@code addr}, guest-physical or (through {@code as}) guest-virtual. */
    public static Read read(Target t, AddressSpace as, long addr, long len) {
        if (len <= 0 || len > MAX_READ) throw ChirpException.usage("LEN must be between 1 and " + MAX_READ);
        if (Long.compareUnsigned(addr + len, addr) <= 0) throw ChirpException.usage("ADDR + LEN is past the end of the address space");
        if (as == null) {
            byte[] data = new byte[(int) len];
            return new Read(addr, data, readPhysical(t.memory(), addr, data));
        }
        MappedBytes mb = as.readMapped(new VirtAddr(addr), (int) len);
        return new Read(addr, mb.bytes(), mb.holes().stream().map(h -> new Hole(h.start().value(), h.length(), h.reason())).toList());
    }

    /**
     * Reads what is backed of [addr, addr + data.length) into {@code data}, range by range of the source's memory
     * map; {@return the runs that no range backs} (past the end of RAM, in an MMIO gap, or unreadable).
     */
    static List<Hole> readPhysical(PhysicalMemory mem, long addr, byte[] data) {
        List<Hole> holes = new ArrayList<>();
        long end = addr + data.length;
        long cur = addr;
        for (MemoryRange r : mem.ranges()) {
            if (Long.compareUnsigned(r.end(), cur) <= 0) continue;
            if (Long.compareUnsigned(r.start(), end) >= 0) break;
            long from = Long.compareUnsigned(r.start(), cur) > 0 ? r.start() : cur;
            long to = Long.compareUnsigned(r.end(), end) < 0 ? r.end() : end;
            if (from != cur) holes.add(new Hole(cur, from - cur, "not backed by guest RAM"));
            try {
                mem.read(from, MemorySegment.ofArray(data), from - addr, to - from);
            } catch (ChirpException e) {
                holes.add(new Hole(from, to - from, e.getMessage()));
            }
            cur = to;
        }
        if (cur != end) holes.add(new Hole(cur, end - cur, "not backed by guest RAM"));
        return holes;
    }

    private static long va(TranslationResult r) {
        return switch (r) {
            case TranslationResult.Mapped m -> m.va().value();
            case TranslationResult.Fault f -> f.va().value();
        };
    }

    static String flags(PageFlags f) {
        return "r" + (f.writable() ? "w" : "-") + (f.noExecute() ? "-" : "x") + (f.user() ? " user" : " kernel")
                + (f.global() ? " global" : "");
    }
}
