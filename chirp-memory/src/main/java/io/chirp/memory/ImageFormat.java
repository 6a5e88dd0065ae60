package io.chirp.memory;

/** The memory image formats CHIRP reads and writes, recognised by content, never by file name. */
public enum ImageFormat {
    /** ELF64 core with PT_LOAD p_paddr = GPA: QEMU {@code dump-guest-memory}, {@code virsh dump --memory-only}. */
    ELF_CORE,
    /** LiME: repeated 32-byte range headers (magic 0x4C694D45) each followed by its bytes. */
    LIME,
    /**
     * kdump-compressed ({@code makedumpfile}'s diskdump format, signature "KDUMP   "): per-page zlib, LZO, snappy or
     * zstd, as {@code makedumpfile -c|-l|-p|-z}, QEMU's {@code dump-guest-memory format=kdump-raw-*} and
     * {@code makedumpfile -R} write it. Read page by page, not mapped.
     */
    KDUMP,
    /**
     * makedumpfile's flattened form of {@link #KDUMP} (signature "makedumpfile"): offset/size records, as written to
     * a pipe, and by QEMU's {@code format=kdump-zlib|lzo|snappy} (always, before QEMU 8.2). Indexed on open.
     */
    KDUMP_FLATTENED,
    /** Raw or zero-padded: file offset == GPA (also a small guest's RAM backend file). */
    RAW
}
