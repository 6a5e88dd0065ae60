package io.chirp.linux.mm;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.paging.AddressSpace;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Shell command history recovered from the heap of each shell process (Volatility's linux.bash), for the two shells
 * that keep it in memory as data structures:
 *
 * <ul>
 *   <li><b>busybox ash/hush</b> (line editing, libbb/lineedit.c): one {@code line_input_t} holds
 *       {@code int cnt_history, cur_history, max_history} and, 16 bytes on (24 with
 *       CONFIG_FEATURE_EDITING_SAVEHISTORY), {@code char *history[MAX_HISTORY + 1]}. Busybox is stripped, so the
 *       structure is found by its shape: counts with {@code 1 <= cnt <= max <= 65535}, {@code cur <= cnt},
 *       {@code cnt} pointers to printable NUL-terminated strings in the heap, and a NULL after them. Busybox records
 *       no times.
 *   <li><b>bash</b> (readline's history.c): each {@code HIST_ENTRY} is {@code {char *line; char *timestamp; void
 *       *data}} and readline's add_history stamps every entry with {@code "#<epoch seconds>"}; entries are found,
 *       as Volatility does, from those timestamp strings back to the structures that point to them, and put in
 *       the order of the history list (the longest run of pointers to them in the heap), the rest after it by time.
 * </ul>
 *
 * Only the {@code [heap]} mapping is read (both shells allocate history there through malloc's main arena, and a
 * match elsewhere is more likely a coincidence), at most {@link #MAX_HEAP} bytes of it. A shell whose heap holds no
 * such structure (not interactive, or history off) gives no rows; that is not an error.
 */
public final class ShellHistory {
    /** The most heap bytes read per process. */
    public static final long MAX_HEAP = 64L << 20;
    /** The longest command line taken. */
    public static final int MAX_LINE = 8192;
    private static final int MAX_COUNT = 65535;
    /** Processes looked at by default: what shells run as (comm or the executable's file name). */
    public static final Set<String> SHELLS = Set.of("sh", "ash", "hush", "bash", "busybox", "dash");

    /** Which structure a command came from. */
    public enum Source { BUSYBOX_LINEEDIT, BASH_HISTORY }

    /**
     * One remembered command.
     *
     * @param pid       the shell's process id
     * @param comm      its name
     * @param source    where it was found
     * @param index     its place in the history (0 is the oldest still kept)
     * @param command   the command line (guest text)
     * @param time      when it was entered (bash's timestamp), null if the shell records none
     * @param address   address of the string in the shell's memory
     */
    public record Command(int pid, String comm, Source source, int index, String command, Instant time, long address) {}

    /** The commands found, and what could not be read. */
    public record Listing(List<Command> commands, List<String> problems) {
        public Listing {
            commands = List.copyOf(commands);
            problems = List.copyOf(problems);
        }
    }

    private final LinuxKernel k;
    private final MemoryMaps maps;

    public ShellHistory(LinuxKernel k) {
        this.k = k;
        this.maps = new MemoryMaps(k);
    }

    /** {@return true if the process looks like a shell by its name or executable} */
    public static boolean isShell(LinuxProcess p) {
        if (p.kernelThread()) return false;
        String exe = p.exe() == null ? "" : p.exe().substring(p.exe().lastIndexOf('/') + 1);
        return SHELLS.contains(p.comm()) || SHELLS.contains(exe);
    }

    /** {@return the history found in the heap of {@code p}} */
    public Listing of(LinuxProcess p) {
        List<String> problems = new ArrayList<>();
        if (p.kernelThread() || p.mm() == 0) return new Listing(List.of(), List.of());
        MemoryMaps.Listing l = maps.of(p);
        if (!l.complete()) problems.addAll(l.problems().stream().map(x -> "pid " + p.tgid() + ": " + x).toList());
        MemoryMap heap = l.maps().stream().filter(m -> "[heap]".equals(m.name())).findFirst().orElse(null);
        if (heap == null) return new Listing(List.of(), problems);
        long end = heap.end();
        if (end - heap.start() > MAX_HEAP) {
            problems.add("pid " + p.tgid() + ": heap of " + (end - heap.start()) + " bytes, only the first " + MAX_HEAP + " read");
            end = heap.start() + MAX_HEAP;
        }
        byte[] mem;
        try {
            AddressSpace as = k.userSpace(k.reader().u64(p.mm() + k.layout().offset("mm_struct", "pgd")));
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            List<long[]> holes = ProcessCore.copy(as, heap.start(), end, buf::write);
            if (!holes.isEmpty()) problems.add("pid " + p.tgid() + ": " + holes.size() + " heap ranges not resident (read as zeros)");
            mem = buf.toByteArray();
        } catch (ChirpException e) {
            problems.add("pid " + p.tgid() + ": heap unreadable: " + e.getMessage());
            return new Listing(List.of(), problems);
        }
        Heap h = new Heap(heap.start(), mem);
        List<Command> out = new ArrayList<>(busybox(p, h));
        out.addAll(bash(p, h));
        return new Listing(out, problems);
    }

    /** The heap's bytes at their guest addresses. */
    private record Heap(long start, byte[] bytes) {
        ByteBuffer le() { return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN); }

        boolean contains(long va) { return va >= start && va - start < bytes.length; }

        /** {@return the printable NUL-terminated string at {@code va}, or null if it is not one} */
        String line(long va) {
            if (!contains(va)) return null;
            int from = (int) (va - start);
            int max = Math.min(bytes.length, from + MAX_LINE + 1);
            for (int i = from; i < max; i++) {
                int c = bytes[i] & 0xff;
                if (c == 0) {
                    if (i == from) return null;
                    return KernelReader.decode(bytes, from, i - from);
                }
                if (c < 0x20 && c != '\t') return null; // a command line holds no other control bytes
                if (c == 0x7f) return null;
            }
            return null;
        }
    }

    private List<Command> busybox(LinuxProcess p, Heap h) {
        ByteBuffer b = h.le();
        List<Command> best = List.of();
        for (int o = 0; o + 16 <= h.bytes().length; o += 8) {
            int cnt = b.getInt(o), cur = b.getInt(o + 4), max = b.getInt(o + 8);
            if (cnt < 1 || cnt > max || max > MAX_COUNT || cur < 0 || cur > cnt) continue;
            for (int at : new int[] {16, 24}) {
                int arr = o + at;
                if (arr + 8L * (cnt + 1) > h.bytes().length || b.getLong(arr + 8 * cnt) != 0) continue;
                List<Command> found = new ArrayList<>();
                for (int i = 0; i < cnt; i++) {
                    long ptr = b.getLong(arr + 8 * i);
                    String s = h.line(ptr);
                    if (s == null) break;
                    found.add(new Command(p.tgid(), p.comm(), Source.BUSYBOX_LINEEDIT, i, s, null, ptr));
                }
                // the longest history wins: a shell has one line_input_t, a coincidence is short
                if (found.size() == cnt && cnt > best.size()) best = found;
            }
        }
        return best;
    }

    private List<Command> bash(LinuxProcess p, Heap h) {
        ByteBuffer b = h.le();
        byte[] m = h.bytes();
        List<Command> out = new ArrayList<>();
        // every "#<digits>" string in the heap is a candidate timestamp; HIST_ENTRY.timestamp points to its start
        java.util.Map<Long, Long> stamps = new java.util.HashMap<>();
        for (int i = 0; i + 2 < m.length; i++) {
            if (m[i] != '#') continue;
            int j = i + 1;
            long v = 0;
            while (j < m.length && j - i <= 11 && m[j] >= '0' && m[j] <= '9') v = v * 10 + (m[j++] - '0');
            if (j - i < 2 || j >= m.length || m[j] != 0) continue;
            stamps.put(h.start() + i, v);
        }
        if (stamps.isEmpty()) return out;
        java.util.Map<Long, Command> entries = new java.util.LinkedHashMap<>(); // by HIST_ENTRY address
        for (int o = 0; o + 16 <= m.length; o += 8) {
            Long t = stamps.get(b.getLong(o + 8));
            if (t == null) continue;
            long linePtr = b.getLong(o);
            String s = h.line(linePtr);
            if (s == null) continue;
            entries.put(h.start() + o, new Command(p.tgid(), p.comm(), Source.BASH_HISTORY, 0, s, Instant.ofEpochSecond(t), linePtr));
        }
        if (entries.isEmpty()) return out;
        // the order is the_history's: the longest run of consecutive pointers to entries (several commands share a
        // second, and malloc does not hand out ascending addresses); entries outside it follow by time
        int bestFrom = 0, bestLen = 0;
        for (int o = 0; o + 8 <= m.length; o += 8) {
            int len = 0;
            while (o + 8 * (len + 1) <= m.length && entries.containsKey(b.getLong(o + 8 * len))) len++;
            if (len > bestLen) {
                bestLen = len;
                bestFrom = o;
            }
            if (len > 0) o += 8 * (len - 1);
        }
        java.util.Set<Long> placed = new java.util.HashSet<>();
        for (int i = 0; i < bestLen; i++) {
            long e = b.getLong(bestFrom + 8 * i);
            if (placed.add(e)) out.add(entries.get(e));
        }
        List<Command> rest = new ArrayList<>();
        for (java.util.Map.Entry<Long, Command> e : entries.entrySet()) if (!placed.contains(e.getKey())) rest.add(e.getValue());
        rest.sort(java.util.Comparator.comparing(Command::time).thenComparingLong(Command::address));
        out.addAll(rest);
        List<Command> indexed = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            Command c = out.get(i);
            indexed.add(new Command(c.pid(), c.comm(), c.source(), i, c.command(), c.time(), c.address()));
        }
        return indexed;
    }
}
