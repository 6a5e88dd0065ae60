package io.chirp.memory;

import io.airlift.compress.v3.lzo.LzoCompressor;
import io.airlift.compress.v3.snappy.SnappyJavaCompressor;
import io.airlift.compress.v3.zstd.ZstdJavaCompressor;
import io.chirp.core.CpuState;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;

/**
 * Writes kdump-compressed files the way QEMU's {@code dump-guest-memory} does (every page of every range dumped, the
 * zero pages sharing one stored page, vCPU notes after the sub-header), for the compressions the QEMU of this
 * machine cannot write (Debian's is built without LZO and snappy), and the flattened form of any kdump file. The
 * page bytes come from a real image (QEMU's own ELF of a lab guest), so what a reader gets back can be compared
 * with that image; the headers follow makedumpfile's {@code diskdump_mod.h}.
 */
public final class KdumpTestWriter {
    /** A page compression, with its descriptor flag. */
    public enum Compression {
        NONE(0), ZLIB(0x1), LZO(0x2), SNAPPY(0x4), ZSTD(0x20);

        final int flag;

        Compression(int flag) { this.flag = flag; }

        /** {@return the stored bytes of {@code page}, or the page itself when compressing does not make it smaller} */
        byte[] compress(byte[] page) {
            byte[] out = new byte[page.length * 2 + 64];
            int n = switch (this) {
                case NONE -> page.length;
                case ZLIB -> {
                    Deflater d = new Deflater(Deflater.BEST_SPEED);
                    d.setInput(page);
                    d.finish();
                    int k = d.deflate(out);
                    d.end();
                    yield k;
                }
                case LZO -> new LzoCompressor().compress(page, 0, page.length, out, 0, out.length);
                case SNAPPY -> new SnappyJavaCompressor().compress(page, 0, page.length, out, 0, out.length);
                case ZSTD -> new ZstdJavaCompressor().compress(page, 0, page.length, out, 0, out.length);
            };
            return this == NONE || n >= page.length ? page : Arrays.copyOf(out, n);
        }
    }

    static final int PAGE = 4096;

    private KdumpTestWriter() {}

    /** {@return the vCPU notes QEMU writes into a dump: NT_PRSTATUS and the QEMU CPU state of each vCPU} */
    public static List<ElfNote> notes(List<CpuState> cpus) {
        List<ElfNote> out = new ArrayList<>();
        for (int i = 0; i < cpus.size(); i++) {
            out.add(new ElfNote("CORE", ElfNote.NT_PRSTATUS, X86CoreNotes.encodePrstatus(cpus.get(i), i + 1)));
            out.add(new ElfNote("QEMU", ElfNote.NT_QEMU, X86CoreNotes.encodeQemu(cpus.get(i))));
        }
        return out;
    }

    /** Writes every page of {@code memory}'s ranges (page-aligned) as a plain kdump file. */
    public static void write(PhysicalMemory memory, List<CpuState> cpus, Compression c, Path out) throws IOException {
        List<MemoryRange> ranges = memory.ranges();
        long maxMapnr = (memory.limit() + PAGE - 1) / PAGE;
        long bitmapBytes = (maxMapnr + 7) / 8;
        long bitmapBlocks = 2 * ((bitmapBytes + PAGE - 1) / PAGE);
        ByteArrayOutputStream noteBytes = new ByteArrayOutputStream();
        for (ElfNote n : notes(cpus)) noteBytes.write(n.encode());
        long subBlocks = (KdumpHeader.SUB_HEADER_SIZE + noteBytes.size() + PAGE - 1) / PAGE;
        byte[] bitmap = new byte[(int) bitmapBytes];
        long pages = 0;
        for (MemoryRange r : ranges) {
            for (long pfn = r.start() / PAGE; pfn < (r.end() + PAGE - 1) / PAGE; pfn++) {
                bitmap[(int) (pfn >>> 3)] |= (byte) (1 << (pfn & 7));
                pages++;
            }
        }
        long bitmapOffset = (1 + subBlocks) * PAGE;
        long descOffset = bitmapOffset + bitmapBlocks * PAGE;
        long dataOffset = descOffset + pages * KdumpMemory.DESCRIPTOR_SIZE;
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer h = le(PAGE);
            h.put(0, KdumpHeader.SIGNATURE.getBytes(StandardCharsets.US_ASCII));
            h.putInt(KdumpHeader.H_VERSION, 6);
            h.put(KdumpHeader.H_UTSNAME, "Linux".getBytes(StandardCharsets.US_ASCII));
            h.put(KdumpHeader.H_UTSNAME + 2 * KdumpHeader.UTS_FIELD, "chirp-test".getBytes(StandardCharsets.US_ASCII));
            h.putInt(KdumpHeader.H_STATUS, c.flag);
            h.putInt(KdumpHeader.H_BLOCK_SIZE, PAGE);
            h.putInt(KdumpHeader.H_SUB_HDR_SIZE, (int) subBlocks);
            h.putInt(KdumpHeader.H_BITMAP_BLOCKS, (int) bitmapBlocks);
            h.putInt(KdumpHeader.H_MAX_MAPNR, (int) Math.min(maxMapnr, 0xffffffffL));
            h.putInt(KdumpHeader.H_NR_CPUS, cpus.size());
            write(ch, 0, h);
            ByteBuffer s = le((int) (subBlocks * PAGE));
            s.putInt(8, 1); // dump_level
            s.putLong(KdumpHeader.S_OFFSET_NOTE, PAGE + KdumpHeader.SUB_HEADER_SIZE);
            s.putLong(KdumpHeader.S_SIZE_NOTE, noteBytes.size());
            s.putLong(KdumpHeader.S_MAX_MAPNR_64, maxMapnr);
            s.put(KdumpHeader.SUB_HEADER_SIZE, noteBytes.toByteArray());
            write(ch, PAGE, s);
            write(ch, bitmapOffset, ByteBuffer.wrap(bitmap)); // bitmap 1: pages that exist
            write(ch, bitmapOffset + bitmapBlocks * PAGE / 2, ByteBuffer.wrap(bitmap)); // bitmap 2: pages dumped
            long data = dataOffset, index = 0, zeroAt = -1;
            byte[] zero = new byte[PAGE];
            ByteBuffer descs = le(KdumpMemory.DESCRIPTOR_SIZE * 1024);
            long descsAt = descOffset;
            for (MemoryRange r : ranges) {
                for (long pfn = r.start() / PAGE; pfn < (r.end() + PAGE - 1) / PAGE; pfn++, index++) {
                    byte[] page = memory.readBytes(pfn * PAGE, PAGE);
                    long at;
                    byte[] stored = c.compress(page);
                    if (Arrays.equals(page, zero) && zeroAt >= 0) {
                        at = zeroAt;
                    } else {
                        at = data;
                        write(ch, data, ByteBuffer.wrap(stored));
                        data += stored.length;
                        if (Arrays.equals(page, zero)) zeroAt = at;
                    }
                    descs.putLong(at).putInt(stored.length).putInt(stored == page ? 0 : c.flag).putLong(0);
                    if (!descs.hasRemaining()) {
                        write(ch, descsAt, descs.flip());
                        descsAt += descs.limit();
                        descs.clear();
                    }
                }
            }
            write(ch, descsAt, descs.flip());
        }
    }

    /**
     * Writes {@code plain} in the flattened format, in records of at most {@code record} bytes, then
     * {@code rewrite} (if not null) once more at offset 0, as makedumpfile rewrites its sub-header at the end: a
     * later record wins over the bytes of an earlier one.
     */
    public static byte[] flatten(byte[] plain, int record, byte[] rewrite) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length + plain.length / record * 16 + 8192);
        ByteBuffer h = ByteBuffer.allocate(KdumpBytes.FLAT_HEADER_SIZE).order(ByteOrder.BIG_ENDIAN);
        h.put(0, KdumpBytes.FLAT_SIGNATURE.getBytes(StandardCharsets.US_ASCII)).putLong(16, 1).putLong(24, 1);
        out.writeBytes(h.array());
        for (int off = 0; off < plain.length; off += record) {
            int n = Math.min(record, plain.length - off);
            out.writeBytes(ByteBuffer.allocate(16).putLong(off).putLong(n).array());
            out.write(plain, off, n);
        }
        if (rewrite != null) {
            out.writeBytes(ByteBuffer.allocate(16).putLong(0).putLong(rewrite.length).array());
            out.writeBytes(rewrite);
        }
        out.writeBytes(ByteBuffer.allocate(16).putLong(-1).putLong(-1).array());
        return out.toByteArray();
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void write(FileChannel ch, long at, ByteBuffer b) throws IOException {
        long pos = at;
        while (b.hasRemaining()) pos += ch.write(b, pos);
    }
}
