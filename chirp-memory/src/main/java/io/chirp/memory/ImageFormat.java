package io.chirp.memory;

/** The memory image formats CHIRP reads and writes, recognised by content, never by file name. */
public enum ImageFormat {
    /** ELF64 core with PT_LOAD p_paddr = GPA: QEMU {@code dump-guest-memory}, {@code virsh dump --memory-only}. */
    ELF_CORE,
    /** LiME: repeated 32-byte range headers (magic 0x4C694D45) each followed by its bytes. */
    LIME,
    /** Raw or zero-padded: file offset == GPA (also a small guest's RAM backend file). */
    RAW
}
