package io.chirp.memory;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Opens memory images and RAM files as {@link io.chirp.core.PhysicalMemory}. The format is recognised from the
 * first bytes (ELF magic, LiME magic, "KDUMP   " or flattened "makedumpfile", otherwise raw); the layout is checked before anything is mapped, so a
 * truncated or hostile file fails with a CORRUPT error that says what is wrong, never with an OOM or a hang.
 */
public final class MemoryImages {
    /** x86-64 physical addresses have at most 52 bits; a segment beyond that is not RAM of any real machine. */
    static final long MAX_PHYS = 1L << 52;

    private MemoryImages() {}

    /** {@return the format of {@code file}, from its content} */
    public static ImageFormat detect(Path file) {
        try (ImageFile f = ImageFile.open(file)) {
            return detect(f);
        }
    }

    /**
     * Opens an image, mapping it read-only (zero copy).
     *
     * @throws ChirpException NOT_FOUND if absent, CORRUPT if the content is inconsistent, IO on read errors
     */
    public static MemoryImage open(Path file) {
        return open(file, null);
    }

    /**
     * Opens an image; a raw one with {@code layout} where its file offsets are not its addresses (a Firecracker or
     * Cloud Hypervisor snapshot memory file). Compressed formats (kdump) are read page by page, not mapped.
     *
     * @param layout where a raw file's ranges lie, or null for offset == GPA from 0
     * @throws ChirpException USAGE if a layout is given for a format that describes its own layout
     */
    public static MemoryImage open(Path file, RawLayout layout) {
        ImageFormat format;
        List<Segment> segments;
        List<CpuState> cpus = List.of();
        try (ImageFile f = ImageFile.open(file)) {
            format = detect(f);
            if (layout != null && format != ImageFormat.RAW) {
                throw ChirpException.usage(file + " is a " + format + " image, which says where its memory lies:"
                        + " --layout is for raw memory files only");
            }
            switch (format) {
                case ELF_CORE -> {
                    ElfCoreReader.Layout l = ElfCoreReader.read(f);
                    segments = l.segments();
                    cpus = l.cpus();
                }
                case LIME -> segments = LimeReader.read(f);
                case RAW -> segments = layout != null ? layout.segments() : List.of(new Segment(0, 0, f.size(), "raw"));
                case KDUMP, KDUMP_FLATTENED -> segments = List.of();
                default -> throw new IllegalStateException(format.name());
            }
            if (!compressed(format)) segments = checked(segments, f);
        }
        if (compressed(format)) {
            KdumpReader.Opened k = KdumpReader.open(file);
            return new MemoryImage(file, format, k.memory(), List.of(), k.cpus());
        }
        String desc = format + " image " + file + " (" + segments.size() + " ranges"
                + (layout != null ? " from --layout" : "") + ", zero-copy)";
        return new MemoryImage(file, format, MappedFileMemory.open(file, segments, false, desc), segments, cpus);
    }

    /**
     * Opens a guest's RAM backend file with the layout QEMU reported ({@link RamLayout}).
     *
     * @param live true while the guest runs: readers must expect the contents to change under them
     */
    public static MappedFileMemory openRam(Path ramFile, RamLayout layout, boolean live) {
        try (ImageFile f = ImageFile.open(ramFile)) {
            List<Segment> segments = checked(layout.segments(), f);
            String desc = "RAM file " + ramFile + " (backend " + layout.backend() + ", "
                    + (live ? "live, " : "") + "zero-copy)";
            return MappedFileMemory.open(ramFile, segments, live, desc);
        }
    }

    /** {@return true for formats whose pages are not stored as they are (no file range per GPA range)} */
    private static boolean compressed(ImageFormat format) {
        return format == ImageFormat.KDUMP || format == ImageFormat.KDUMP_FLATTENED;
    }

    private static ImageFormat detect(ImageFile f) {
        if (f.size() == 0) throw ChirpException.corrupt(f.path() + ": empty file is not a memory image");
        ByteBuffer head = f.read(0, Math.min(f.size(), 64), "first bytes");
        if (ElfCoreReader.looksLikeElf(head)) return ImageFormat.ELF_CORE;
        if (LimeReader.looksLikeLime(head)) return ImageFormat.LIME;
        if (KdumpHeader.looksLikeKdump(head)) return ImageFormat.KDUMP;
        if (KdumpBytes.looksFlattened(head)) return ImageFormat.KDUMP_FLATTENED;
        return ImageFormat.RAW;
    }

    /** Sorts segments and rejects ones outside the file, beyond physical addressing, or overlapping in GPA. */
    static List<Segment> checked(List<Segment> in, ImageFile f) {
        List<Segment> sorted = new ArrayList<>(in);
        sorted.sort(Comparator.comparing(Segment::gpa, Long::compareUnsigned));
        Segment prev = null;
        for (Segment s : sorted) {
            if (!f.contains(s.fileOffset(), s.length())) {
                throw ChirpException.corrupt(f.path() + ": range at GPA 0x" + Long.toHexString(s.gpa())
                        + " extends beyond the end of the file: truncated image?");
            }
            if (Long.compareUnsigned(s.gpa(), MAX_PHYS) >= 0 || s.length() > MAX_PHYS - s.gpa()) {
                throw ChirpException.corrupt(f.path() + ": range at GPA 0x" + Long.toHexString(s.gpa())
                        + " lies beyond the 52-bit physical address space");
            }
            if (prev != null && s.gpa() < prev.gpaEnd()) {
                throw ChirpException.corrupt(f.path() + ": ranges overlap at GPA 0x" + Long.toHexString(s.gpa())
                        + " (" + prev.name() + " and " + s.name() + ")");
            }
            prev = s;
        }
        if (sorted.isEmpty()) throw ChirpException.corrupt(f.path() + ": image holds no memory ranges");
        return sorted;
    }
}
