package io.chirp.hypervisor.qemu;

import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.UnmappedException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Guest-physical memory read through the human monitor's {@code xp} command: the fallback for a VM started
 * without a shared RAM file. About a page per round trip, so thousands of times slower than the shared file,
 * but it needs nothing but the QMP socket and does not pause the guest.
 */
public final class QmpMemory implements PhysicalMemory {
    private static final int QWORDS_PER_CALL = 512;
    private final QmpClient qmp;
    private final List<MemoryRange> ranges;

    public QmpMemory(QmpClient qmp, List<MemoryRange> ranges) {
        this.qmp = qmp;
        this.ranges = List.copyOf(ranges);
    }

    @Override public String describe() { return "QMP human monitor 'xp' reads (slow fallback, no pause)"; }

    @Override public List<MemoryRange> ranges() { return ranges; }

    @Override public boolean isLive() { return true; }

    @Override
    public void read(long pa, MemorySegment dst, long dstOffset, long length) {
        if (!isBacked(pa, length)) throw new UnmappedException(pa, false, "outside the guest's RAM");
        long start = pa & ~7L;
        long end = (pa + length + 7) & ~7L;
        long cur = start;
        while (cur < end) {
            int n = (int) Math.min(QWORDS_PER_CALL, (end - cur) / 8);
            String text = qmp.hmp("xp /" + n + "gx 0x" + Long.toHexString(cur));
            long[] words = parse(text, cur, n);
            for (int i = 0; i < n; i++) {
                long wordAddr = cur + i * 8L;
                for (int b = 0; b < 8; b++) {
                    long a = wordAddr + b;
                    if (a >= pa && a < pa + length) {
                        dst.set(ValueLayout.JAVA_BYTE, dstOffset + (a - pa), (byte) (words[i] >>> (8 * b)));
                    }
                }
            }
            cur += n * 8L;
        }
    }

    /** Parses lines like {@code 0000000008161900: 0x6f6973726576206e 0x...}. */
    static long[] parse(String text, long base, int n) {
        long[] out = new long[n];
        int filled = 0;
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            long addr;
            try {
                addr = Long.parseUnsignedLong(line.substring(0, colon).strip(), 16);
            } catch (NumberFormatException e) {
                throw ChirpException.unavailable("QMP xp: " + line.strip());
            }
            String[] vals = line.substring(colon + 1).strip().split("\\s+");
            for (int i = 0; i < vals.length; i++) {
                long idx = (addr - base) / 8 + i;
                if (idx < 0 || idx >= n || !vals[i].startsWith("0x")) continue;
                out[(int) idx] = Long.parseUnsignedLong(vals[i].substring(2), 16);
                filled++;
            }
        }
        if (filled < n) throw ChirpException.unavailable("QMP xp returned " + filled + " of " + n + " words");
        return out;
    }

    @Override public void close() { }
}
