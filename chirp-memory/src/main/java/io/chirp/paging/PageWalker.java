package io.chirp.paging;

import io.chirp.core.PhysAddr;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.UnmappedException;
import io.chirp.core.VirtAddr;
import io.chirp.paging.TranslationResult.Fault;
import io.chirp.paging.TranslationResult.Mapped;
import io.chirp.paging.TranslationResult.Reason;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * The one page-table walk, driven by a {@link PagingMode}. A walk visits at most one entry per level, so a
 * hostile table that points at itself or outside RAM ends in a {@link Fault}, never a loop. The batched form
 * advances all addresses one level at a time and reads each table page once per level (memflow's approach).
 * What an entry's bits mean comes from the mode's {@link EntryFormat}; nothing here is x86- or ARM-specific.
 * Batching reads 4 KiB pieces of a table, which works for the larger AArch64 granules too.
 */
final class PageWalker {
    private static final int PAGE = 4096;

    private final PhysicalMemory memory;
    private final PagingMode mode;

    PageWalker(PhysicalMemory memory, PagingMode mode) {
        this.memory = memory;
        this.mode = mode;
    }

    /** The state of one address's walk between levels. */
    private static final class Walk {
        final long va;
        long table;
        boolean writable = true, user = true, kernelNx, userNx;
        TranslationResult result;

        Walk(long va, long root) {
            this.va = va;
            this.table = root;
        }
    }

    /**
     * {@return the walk of {@code va}} {@code lowRoot} serves the whole space on x86 and the lower half (TTBR0) on
     * AArch64, where {@code highRoot} (TTBR1) serves addresses with the top bit set.
     */
    TranslationResult walk(long lowRoot, long highRoot, long va) {
        Walk w = start(lowRoot, highRoot, va);
        for (int depth = 0; w.result == null; depth++) {
            long addr = entryAddress(w, depth);
            Long entry = readEntry(addr);
            step(w, depth, addr, entry);
        }
        return w.result;
    }

    TranslationResult[] walkAll(long lowRoot, long highRoot, long[] vas) {
        Walk[] walks = new Walk[vas.length];
        for (int i = 0; i < vas.length; i++) walks[i] = start(lowRoot, highRoot, vas[i]);
        for (int depth = 0; depth < mode.levels().size(); depth++) {
            // one read per distinct table page at this level, shared by every address that needs it
            Map<Long, MemorySegment> pages = new HashMap<>();
            for (Walk w : walks) {
                if (w.result != null) continue;
                long addr = entryAddress(w, depth);
                long page = addr & -PAGE;
                MemorySegment bytes = pages.computeIfAbsent(page, this::tablePage);
                Long entry = bytes.byteSize() == 0 ? readEntry(addr) : decode(bytes, addr - page);
                step(w, depth, addr, entry);
            }
        }
        TranslationResult[] out = new TranslationResult[walks.length];
        for (int i = 0; i < walks.length; i++) out[i] = walks[i].result;
        return out;
    }

    private Walk start(long lowRoot, long highRoot, long va) {
        Walk w = new Walk(va, mode.splitRoots() && va < 0 ? highRoot : lowRoot);
        if (!mode.isValid(va)) w.result = new Fault(new VirtAddr(va), Reason.INVALID_ADDRESS, "", -1, 0);
        return w;
    }

    private long entryAddress(Walk w, int depth) {
        PagingMode.Level level = mode.levels().get(depth);
        long index = (w.va >>> level.shift()) & ((1L << level.bits()) - 1);
        return w.table + index * mode.entrySize();
    }

    /** Applies one level's entry (null: unreadable) to a walk, finishing it with a page or a fault. */
    private void step(Walk w, int depth, long entryAddr, Long entryOrNull) {
        PagingMode.Level level = mode.levels().get(depth);
        VirtAddr va = new VirtAddr(w.va);
        if (entryOrNull == null) {
            w.result = new Fault(va, Reason.TABLE_OUTSIDE_MEMORY, level.name(), entryAddr, 0);
            return;
        }
        long e = entryOrNull;
        EntryFormat f = mode.format();
        if ((e & f.valid()) == 0) {
            w.result = new Fault(va, Reason.NOT_PRESENT, level.name(), entryAddr, e);
            return;
        }
        boolean last = depth == mode.levels().size() - 1;
        boolean leaf = last || (e & f.leafMask()) == f.leafValue();
        if (!last && leaf && !level.largePage() || last && (e & f.pageMask()) != f.pageValue()) {
            w.result = new Fault(va, Reason.RESERVED_BIT, level.name(), entryAddr, e);
            return;
        }
        if (!leaf) {
            if (level.permissions()) {
                w.writable &= f.tableWritable().grants(e);
                w.user &= f.tableUser().grants(e);
            }
            w.kernelNx |= (e & f.tableKernelNx()) != 0;
            w.userNx |= (e & f.tableUserNx()) != 0;
            w.table = mode.tableAddress(e);
            return;
        }
        if (level.permissions()) {
            w.writable &= f.writable().grants(e) || (e & f.writeAnyway()) != 0;
            w.user &= f.user().grants(e);
        }
        w.kernelNx |= (e & f.kernelNx()) != 0;
        w.userNx |= (e & f.userNx()) != 0;
        long size = level.entrySpan();
        long pa = mode.pageBase(e, level) | (w.va & (size - 1));
        // a user page's "no execute" is the user one (a kernel never runs user pages: AArch64 sets PXN on them)
        boolean nx = w.user ? w.userNx : w.kernelNx;
        w.result = new Mapped(va, new PhysAddr(pa), size, new PageFlags(w.writable, w.user, nx, f.global().grants(e)));
    }

    /** {@return the entry at {@code addr}, or null when no memory backs it} */
    private Long readEntry(long addr) {
        try {
            return mode.entrySize() == 8 ? memory.readLong(addr) : Integer.toUnsignedLong(memory.readInt(addr));
        } catch (UnmappedException e) {
            return null;
        }
    }

    /** {@return the 4 KiB table page at {@code page}, or an empty segment to fall back to per-entry reads} */
    private MemorySegment tablePage(long page) {
        MemorySegment view = memory.view(page, PAGE);
        if (view != null) return view;
        try {
            return MemorySegment.ofArray(memory.readBytes(page, PAGE));
        } catch (UnmappedException e) {
            return MemorySegment.NULL; // a partly backed page: read entries one by one
        }
    }

    private Long decode(MemorySegment page, long offset) {
        try {
            return mode.entrySize() == 8 ? page.get(PhysicalMemory.LONG, offset)
                    : Integer.toUnsignedLong(page.get(PhysicalMemory.INT, offset));
        } catch (InternalError e) {
            if (PhysicalMemory.isAccessFault(e)) throw memory.accessFault(e); // the mapped file shrank
            throw e;
        }
    }
}
