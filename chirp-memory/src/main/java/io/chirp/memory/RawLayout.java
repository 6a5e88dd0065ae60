package io.chirp.memory;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where the guest-physical ranges of a raw memory file lie, for files that are not "offset == GPA": the snapshot
 * memory files of Firecracker and Cloud Hypervisor store each guest RAM region one after the other, so above the
 * 32-bit PCI hole the file offset is no longer the address. The layout is given by the operator ({@code --layout}),
 * because a raw file says nothing about itself.
 *
 * <p>Syntax: entries separated by commas or new lines, {@code #} starts a comment; each entry is
 * {@code START-END} (END inclusive, as in {@code /proc/iomem}) or {@code START+SIZE}, optionally followed by
 * {@code @OFFSET}, the file offset of START. Without {@code @OFFSET} a range follows the previous one in the file
 * (the first at 0): the concatenated regions those hypervisors write. Numbers are {@code 0x} hex, or decimal with
 * an optional K, M, G or T (binary) suffix. {@code @FILE} reads the entries from a file. Examples:
 * <pre>
 *   0x0-0x7fffffff@0,0x100000000-0x17fffffff@0x80000000   a 4 GiB guest, two regions, offsets explicit
 *   0+0xd0000000,0x100000000+768M                         Firecracker x86-64, 4 GiB: [0, 3.25 GiB) then 4 GiB up
 * </pre>
 *
 * @param segments the ranges, in the order given (sorted and checked against the file when the image is opened)
 */
public record RawLayout(List<Segment> segments) {
    static final int MAX_RANGES = 4096;
    static final int MAX_TEXT = 1 << 20;

    public RawLayout {
        segments = List.copyOf(segments);
        if (segments.isEmpty()) throw ChirpException.usage("a layout needs at least one range");
    }

    /** Parses a layout, or {@code @FILE} naming a file that holds one. */
    public static RawLayout parse(String spec) {
        if (spec == null || spec.isBlank()) throw ChirpException.usage("empty --layout");
        String text = spec.strip();
        if (text.startsWith("@")) {
            Path p = Path.of(text.substring(1));
            try {
                if (Files.size(p) > MAX_TEXT) throw ChirpException.usage("layout file " + p + " is larger than 1 MiB");
                text = Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw ChirpException.usage("cannot read layout file " + p + ": " + e.getMessage());
            }
        }
        List<Segment> out = new ArrayList<>();
        long nextOffset = 0;
        for (String line : text.split("\n", -1)) {
            int hash = line.indexOf('#');
            String body = hash >= 0 ? line.substring(0, hash) : line;
            for (String raw : body.split(",")) {
                String e = raw.strip();
                if (e.isEmpty()) continue;
                if (out.size() >= MAX_RANGES) throw ChirpException.usage("more than " + MAX_RANGES + " layout ranges");
                Segment s = entry(e, nextOffset, out.size());
                out.add(s);
                nextOffset = s.fileOffset() + s.length();
            }
        }
        return new RawLayout(out);
    }

    private static Segment entry(String e, long nextOffset, int index) {
        String range = e;
        long offset = nextOffset;
        int at = e.indexOf('@');
        if (at >= 0) {
            range = e.substring(0, at).strip();
            offset = number(e.substring(at + 1).strip(), e);
        }
        long start, length;
        int plus = range.indexOf('+');
        int dash = range.indexOf('-');
        if (plus > 0) {
            start = number(range.substring(0, plus).strip(), e);
            length = number(range.substring(plus + 1).strip(), e);
        } else if (dash > 0) {
            start = number(range.substring(0, dash).strip(), e);
            long last = number(range.substring(dash + 1).strip(), e);
            if (last < start) throw ChirpException.usage("layout range '" + e + "' ends before it starts");
            length = last - start + 1;
        } else {
            throw ChirpException.usage("layout range '" + e + "' is not START-END[@OFFSET] or START+SIZE[@OFFSET]");
        }
        if (length <= 0) throw ChirpException.usage("layout range '" + e + "' is empty");
        if (start > MemoryImages.MAX_PHYS || length > MemoryImages.MAX_PHYS - start) {
            throw ChirpException.usage("layout range '" + e + "' lies beyond the 52-bit physical address space");
        }
        if (offset > Long.MAX_VALUE - length) throw ChirpException.usage("layout range '" + e + "': offset overflows");
        return new Segment(start, offset, length, "raw" + index);
    }

    /** A non-negative number: decimal or 0x hex, or decimal with a K/M/G/T suffix. */
    private static long number(String s, String entry) {
        String t = s.toLowerCase(Locale.ROOT);
        int shift = 0;
        if (!t.isEmpty() && !t.startsWith("0x")) {
            switch (t.charAt(t.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                case 't' -> shift = 40;
                default -> { }
            }
            if (shift > 0) t = t.substring(0, t.length() - 1);
        }
        try {
            long v = t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
            if (v < 0 || (shift > 0 && v > (Long.MAX_VALUE >> shift))) throw new NumberFormatException();
            return v << shift;
        } catch (NumberFormatException ex) {
            throw ChirpException.usage("layout range '" + entry + "': '" + s + "' is not a number");
        }
    }
}
