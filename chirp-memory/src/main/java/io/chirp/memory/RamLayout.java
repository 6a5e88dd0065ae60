package io.chirp.memory;

import io.chirp.core.ChirpException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a guest's RAM backend file appears in guest-physical address space: the {@link Segment}s that map
 * GPA ranges onto offsets of the backend file. Above about 3 GiB (pc) or 2.75 GiB (q35) the file offset is no
 * longer the GPA (RAM resumes at 4 GiB but at file offset "lowmem"), so the layout is read from QEMU's own
 * {@code info mtree -f} rather than guessed.
 *
 * @param backend  the memory-backend id the segments belong to (QEMU's {@code -object memory-backend-file,id=...})
 * @param segments sorted by GPA, non-overlapping, adjacent pieces merged
 */
public record RamLayout(String backend, List<Segment> segments) {

    /** The backend id CHIRP's lab guests and most QEMU command lines use ({@code -machine memory-backend=mem}). */
    public static final String DEFAULT_BACKEND = "mem";

    // Bounds: a FlatView of a real machine has a few hundred lines; anything far beyond is not a transcript.
    private static final int MAX_LINES = 1_000_000;
    private static final int MAX_SEGMENTS = 4096;

    // "  0000000000100000-00000000bfffffff (prio 0, ram): mem @0000000000100000"; "(ram)" without prio in old QEMUs.
    private static final Pattern RANGE = Pattern.compile(
            "^\\s*([0-9a-fA-F]{1,16})-([0-9a-fA-F]{1,16})\\s+\\(([^)]*)\\):\\s+(\\S+)(?:\\s+@([0-9a-fA-F]{1,16}))?.*$");
    private static final Pattern FLATVIEW = Pattern.compile("^\\s*FlatView\\s+#\\d+.*$");
    private static final Pattern AS = Pattern.compile("^\\s*AS\\s+\"([^\"]*)\".*$");

    public RamLayout {
        segments = List.copyOf(segments);
        for (int i = 1; i < segments.size(); i++) {
            if (Long.compareUnsigned(segments.get(i).gpa(), segments.get(i - 1).gpaEnd()) < 0) {
                throw new IllegalArgumentException("overlapping segments " + segments.get(i - 1) + ", " + segments.get(i));
            }
        }
    }

    /** {@return a layout where file offset == GPA over [0, size), as for guests below the PCI hole} */
    public static RamLayout identity(long size) {
        if (size <= 0) throw ChirpException.usage("RAM size must be positive, got " + size);
        return new RamLayout(DEFAULT_BACKEND, List.of(new Segment(0, 0, size, "ram")));
    }

    /** Parses {@code info mtree -f} for the default backend {@value #DEFAULT_BACKEND}. */
    public static RamLayout parse(String mtree) {
        return parse(mtree, DEFAULT_BACKEND);
    }

    /**
     * Parses the output of HMP {@code info mtree -f}: takes the FlatView whose address-space list names
     * {@code "memory"} (the CPU's view, not SMM or a device's), keeps its {@code ram} lines owned by
     * {@code backend} (ROM, ROM-mode PAM shadows and I/O are excluded) and turns them into segments.
     * A bare list of range lines with no FlatView header (an excerpt) is read as the system view.
     *
     * @throws ChirpException CORRUPT if the text holds no RAM of that backend or is inconsistent
     */
    public static RamLayout parse(String mtree, String backend) {
        if (backend == null || backend.isBlank()) throw ChirpException.usage("backend id must not be empty");
        List<String> lines = mtree.lines().limit(MAX_LINES + 1L).toList();
        if (lines.size() > MAX_LINES) throw ChirpException.corrupt("info mtree output is implausibly long");
        List<String> view = systemView(lines);
        List<Segment> found = new ArrayList<>();
        for (String line : view) {
            Matcher m = RANGE.matcher(line);
            if (!m.matches() || !m.group(4).equals(backend) || !isRam(m.group(3))) continue;
            long start = Long.parseUnsignedLong(m.group(1), 16);
            long last = Long.parseUnsignedLong(m.group(2), 16);
            if (Long.compareUnsigned(last, start) < 0 || last == -1L) {
                throw ChirpException.corrupt("bad range in info mtree: " + line.strip());
            }
            // QEMU prints " @offset" only when the range does not start at the region's offset 0: no suffix means
            // offset 0 (x86's low RAM at GPA 0, and arm virt's RAM at GPA 0x40000000 alike)
            long offset = m.group(5) == null ? 0 : Long.parseUnsignedLong(m.group(5), 16);
            long length = last - start + 1;
            if (offset < 0 || length <= 0 || offset + length < 0) {
                throw ChirpException.corrupt("range does not fit a file: " + line.strip());
            }
            if (found.size() >= MAX_SEGMENTS) throw ChirpException.corrupt("more than " + MAX_SEGMENTS + " RAM ranges");
            found.add(new Segment(start, offset, length, backend));
        }
        if (found.isEmpty()) {
            throw ChirpException.corrupt("no RAM of backend '" + backend + "' in the \"memory\" FlatView of info mtree -f");
        }
        return new RamLayout(backend, merge(found));
    }

    /** {@return the bytes of RAM the layout covers} */
    public long size() {
        return segments.stream().mapToLong(Segment::length).sum();
    }

    /** {@return the smallest backend file size that holds every segment} */
    public long fileSizeNeeded() {
        return segments.stream().mapToLong(s -> s.fileOffset() + s.length()).max().orElse(0);
    }

    /** {@return the lines of the FlatView used by address space "memory", or all lines if there are no headers} */
    private static List<String> systemView(List<String> lines) {
        boolean anyHeader = lines.stream().anyMatch(l -> FLATVIEW.matcher(l).matches());
        if (!anyHeader) return lines;
        List<String> current = new ArrayList<>();
        boolean isMemory = false;
        for (String line : lines) {
            if (FLATVIEW.matcher(line).matches()) {
                if (isMemory) return current;
                current = new ArrayList<>();
                isMemory = false;
                continue;
            }
            Matcher as = AS.matcher(line);
            if (as.matches() && as.group(1).equals("memory")) isMemory = true;
            current.add(line);
        }
        if (isMemory) return current;
        throw ChirpException.corrupt("info mtree -f output has no FlatView for address space \"memory\"");
    }

    /** "prio 0, ram", "ram", "prio 0, ram, rom" (romd)... only plain RAM counts; ROM-mode shadows are read-only copies. */
    private static boolean isRam(String attrs) {
        boolean ram = false;
        for (String a : attrs.split(",")) {
            String t = a.strip();
            if (t.equals("ram")) ram = true;
            if (t.equals("rom") || t.equals("romd") || t.equals("i/o")) return false;
        }
        return ram;
    }

    /** Sorts and joins pieces contiguous in both GPA and file offset; rejects overlaps. */
    private static List<Segment> merge(List<Segment> in) {
        List<Segment> sorted = new ArrayList<>(in);
        sorted.sort(Comparator.comparing(Segment::gpa, Long::compareUnsigned));
        List<Segment> out = new ArrayList<>();
        for (Segment s : sorted) {
            if (!out.isEmpty()) {
                Segment p = out.getLast();
                if (Long.compareUnsigned(s.gpa(), p.gpaEnd()) < 0) {
                    throw ChirpException.corrupt("overlapping RAM ranges at GPA 0x" + Long.toHexString(s.gpa()));
                }
                if (s.gpa() == p.gpaEnd() && s.fileOffset() == p.fileOffset() + p.length()) {
                    out.set(out.size() - 1, new Segment(p.gpa(), p.fileOffset(), p.length() + s.length(), p.name()));
                    continue;
                }
            }
            out.add(s);
        }
        return out;
    }
}
