package io.chirp.linux.log;

import io.chirp.core.ChirpException;
import io.chirp.linux.Field;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel log, read from the lockless printk ring buffer (Linux 5.10+): {@code prb} points to a
 * {@code printk_ringbuffer} whose descriptor ring ({@code descs}, {@code infos}; ids from {@code tail_id} to
 * {@code head_id}) indexes a text data ring of blocks that start with the owning descriptor's id.
 *
 * <p>A live guest writes while we read, as the kernel's own readers must cope with: the rings are copied in bulk, a
 * record is taken only if its descriptor holds the expected id in a committed or finalized state and its data block
 * carries the same id, and descriptors are read again afterwards so that a record overwritten during the copy is
 * dropped rather than shown with another record's text. Dropped and missing records leave a gap in {@code seq} and
 * are counted.
 */
public final class KernelLog {
    private static final int ID_SHIFT = 62;
    private static final long ID_MASK = ~(3L << ID_SHIFT);
    private static final int COMMITTED = 1, FINALIZED = 2;
    /** Largest rings read: 2^20 descriptors, and a text ring of up to KernelReader.MAX_READ bytes. */
    private static final int MAX_COUNT_BITS = 20;

    /**
     * The records read.
     *
     * @param records  in sequence order
     * @param complete true if every descriptor from tail to head gave a record and their seqs have no gap
     * @param dropped  records skipped because they were overwritten while read (descriptor or text)
     * @param problem  why it is incomplete ("" when complete)
     */
    public record Listing(List<LogRecord> records, boolean complete, int dropped, String problem) {
        public Listing { records = List.copyOf(records); }
    }

    private final LinuxKernel k;
    private final KernelReader r;
    private final long countBits, descs, infos, headId, tailId, sizeBits, data;
    private final long descSize, stateVar, blkBegin, blkNext;
    private final long infoSize, infoSeq, infoTs, infoTextLen, infoCaller;
    private final Field infoFacility, infoLevel;

    public KernelLog(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        Layout l = k.layout();
        if (!l.hasStruct("printk_ringbuffer")) {
            throw ChirpException.unavailable("this kernel has no printk ring buffer (Linux before 5.10)");
        }
        countBits = l.offset("printk_ringbuffer", "desc_ring.count_bits");
        descs = l.offset("printk_ringbuffer", "desc_ring.descs");
        infos = l.offset("printk_ringbuffer", "desc_ring.infos");
        headId = l.offset("printk_ringbuffer", "desc_ring.head_id");
        tailId = l.offset("printk_ringbuffer", "desc_ring.tail_id");
        sizeBits = l.offset("printk_ringbuffer", "text_data_ring.size_bits");
        data = l.offset("printk_ringbuffer", "text_data_ring.data");
        descSize = l.size("prb_desc");
        stateVar = l.offset("prb_desc", "state_var");
        blkBegin = l.offset("prb_desc", "text_blk_lpos.begin");
        blkNext = l.offset("prb_desc", "text_blk_lpos.next");
        infoSize = l.size("printk_info");
        infoSeq = l.offset("printk_info", "seq");
        infoTs = l.offset("printk_info", "ts_nsec");
        infoTextLen = l.offset("printk_info", "text_len");
        infoCaller = l.offset("printk_info", "caller_id");
        infoFacility = Field.of(l, "printk_info", "facility");
        infoLevel = Field.of(l, "printk_info", "level");
    }

    /** Reads every record still in the ring. */
    public Listing read() {
        long rb = r.u64(k.symbol("prb"));
        int cbits = r.u32(rb + countBits);
        int sbits = r.u32(rb + sizeBits);
        if (cbits < 0 || cbits > MAX_COUNT_BITS) throw ChirpException.corrupt("printk ring of 2^" + cbits + " records");
        long dataSize = 1L << Math.min(Math.max(sbits, 0), 62);
        if (sbits < 3 || dataSize > KernelReader.MAX_READ) {
            throw ChirpException.corrupt("printk text ring of 2^" + sbits + " bytes");
        }
        int count = 1 << cbits;
        if ((long) count * infoSize > KernelReader.MAX_READ) throw ChirpException.corrupt("printk info ring too large");
        long descsVa = r.u64(rb + descs), infosVa = r.u64(rb + infos), dataVa = r.u64(rb + data);
        long tail = r.u64(rb + tailId) & ID_MASK;
        long head = r.u64(rb + headId) & ID_MASK;
        ByteBuffer d = le(r.bytes(descsVa, (int) (count * descSize)));
        ByteBuffer info = le(r.bytes(infosVa, (int) (count * infoSize)));
        ByteBuffer text = le(r.bytes(dataVa, (int) dataSize));
        ByteBuffer after = le(r.bytes(descsVa, (int) (count * descSize)));

        List<LogRecord> out = new ArrayList<>();
        int dropped = 0;
        long span = ((head - tail) & ID_MASK) + 1;
        if (span > count) return new Listing(out, false, 0, "head and tail ids " + count + "+ apart: ring corrupt");
        for (long id = tail, i = 0; i < span; id = (id + 1) & ID_MASK, i++) {
            int idx = (int) (id & (count - 1));
            int at = (int) (idx * descSize);
            long sv = d.getLong(at + (int) stateVar);
            int state = (int) (sv >>> ID_SHIFT);
            // Reserved (still being written) and reusable (already given up, like the ring's initial placeholder)
            // descriptors hold no record; the kernel's readers skip them too. A real loss shows as a seq gap.
            if ((sv & ID_MASK) == id && state != COMMITTED && state != FINALIZED) continue;
            if ((sv & ID_MASK) != id || after.getLong(at + (int) stateVar) != sv) {
                dropped++;
                continue;
            }
            String body = text(text, dataSize, sbits, id, d.getLong(at + (int) blkBegin), d.getLong(at + (int) blkNext),
                    info, idx);
            if (body == null) {
                dropped++;
                continue;
            }
            int ia = (int) (idx * infoSize);
            ByteBuffer one = le(java.util.Arrays.copyOfRange(info.array(), ia, ia + (int) infoSize));
            out.add(new LogRecord(info.getLong(ia + (int) infoSeq), info.getLong(ia + (int) infoTs),
                    (int) field(infoLevel, one), (int) field(infoFacility, one),
                    info.getInt(ia + (int) infoCaller) & 0xffff_ffffL, body, state == FINALIZED));
        }
        String problem = dropped > 0 ? dropped + " records being written or overwritten while read" : "";
        for (int i = 1; i < out.size() && problem.isEmpty(); i++) {
            if (out.get(i).seq() != out.get(i - 1).seq() + 1) problem = "gap in sequence after " + out.get(i - 1).seq();
        }
        return new Listing(out, problem.isEmpty(), dropped, problem);
    }

    /** The record's text per get_data(): a regular block, a block wrapped to the ring's start, or data-less. */
    private String text(ByteBuffer ring, long size, int sbits, long id, long begin, long next, ByteBuffer info, int idx) {
        if ((begin & 1) != 0 || (next & 1) != 0) return ""; // data-less record (empty line or failed allocation)
        long start, len;
        if ((begin >>> sbits) == (next >>> sbits) && Long.compareUnsigned(begin, next) < 0) {
            start = begin & (size - 1);
            len = next - begin;
        } else if (((begin + size) >>> sbits) == (next >>> sbits)) {
            start = 0;
            len = next & (size - 1);
        } else {
            return null;
        }
        if ((begin & 7) != 0 || (next & 7) != 0 || len < 8 || start + len > size) return null;
        // The block starts with the id of the descriptor that owns it: anything else has been overwritten.
        if ((ring.getLong((int) start) & ID_MASK) != id) return null;
        int textLen = Short.toUnsignedInt(info.getShort((int) (idx * infoSize + infoTextLen)));
        int n = (int) Math.min(textLen, len - 8);
        return KernelReader.decode(ring.array(), (int) start + 8, n);
    }

    private static long field(Field f, ByteBuffer b) {
        long v = switch (f.size()) {
            case 1 -> b.get((int) f.offset()) & 0xffL;
            case 2 -> b.getShort((int) f.offset()) & 0xffffL;
            case 4 -> b.getInt((int) f.offset()) & 0xffff_ffffL;
            default -> b.getLong((int) f.offset());
        };
        return f.bits() == 0 ? v : (v >>> f.shift()) & ((1L << f.bits()) - 1);
    }

    private static ByteBuffer le(byte[] b) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN); }
}
