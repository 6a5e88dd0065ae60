package io.chirp.memory;

import io.chirp.core.ChirpException;

import java.nio.ByteBuffer;

/**
 * The two headers of a kdump-compressed ("diskdump") file, as makedumpfile and QEMU's {@code dump-guest-memory
 * format=kdump-*} write them, x86-64 little-endian. Block 0 is {@code struct disk_dump_header}; the next
 * {@code sub_hdr_size} blocks are {@code struct kdump_sub_header}; then come {@code bitmap_blocks} blocks of two
 * bitmaps (1: pages that exist, 2: pages dumped), then one 24-byte page descriptor per dumped page, in PFN order,
 * then the page data. Every field is checked here against the file, so later arithmetic cannot overflow.
 *
 * @param version          header_version (QEMU writes 6; 64-bit PFNs from 6 on)
 * @param release          utsname.release of the dumped kernel (as the dumper saw it: text, may be empty)
 * @param status           status flags ({@link #INCOMPLETE}, compression of the whole dump)
 * @param blockSize        the page size and the unit of the layout
 * @param bitmapOffset     where the two bitmaps start
 * @param bitmapBytes      the size of each bitmap
 * @param descriptorOffset where the page descriptors start
 * @param maxMapnr         one past the highest PFN
 * @param nrCpus           number of CPUs the dumper reported
 * @param split            true for one part of a split dump (PFNs [startPfn, endPfn) only)
 * @param startPfn         first PFN of a split part (0 otherwise)
 * @param endPfn           one past the last PFN of a split part ({@code maxMapnr} otherwise)
 * @param noteOffset       where the ELF notes (NT_PRSTATUS, QEMU CPU state) are, or 0
 * @param noteSize         their size, or 0
 */
record KdumpHeader(int version, String release, int status, int blockSize, long bitmapOffset, long bitmapBytes,
                   long descriptorOffset, long maxMapnr, int nrCpus, boolean split, long startPfn, long endPfn,
                   long noteOffset, long noteSize) {

    static final String SIGNATURE = "KDUMP   ";
    /** The dump was cut short (no space left): pages past the end are missing. */
    static final int INCOMPLETE = 0x8;
    static final int MIN_BLOCK = 4096;
    static final int MAX_BLOCK = 1 << 16;
    /** Heap bound for the dumped-pages bitmap: 16 MiB describes 512 GiB of 4 KiB pages. */
    static final long MAX_BITMAP_BYTES = 16L << 20;

    // struct disk_dump_header: signature[8], header_version, utsname (6 x 65), 6 bytes padding, timeval, then ints
    static final int H_VERSION = 8, H_UTSNAME = 12, UTS_FIELD = 65, H_STATUS = 424, H_BLOCK_SIZE = 428,
            H_SUB_HDR_SIZE = 432, H_BITMAP_BLOCKS = 436, H_MAX_MAPNR = 440, H_NR_CPUS = 460, HEADER_SIZE = 464;
    // struct kdump_sub_header (x86-64: unsigned long and off_t are 8 bytes)
    static final int S_SPLIT = 12, S_START_PFN = 16, S_END_PFN = 24, S_OFFSET_NOTE = 48, S_SIZE_NOTE = 56,
            S_START_PFN_64 = 80, S_END_PFN_64 = 88, S_MAX_MAPNR_64 = 96, SUB_HEADER_SIZE = 104;

    static boolean looksLikeKdump(ByteBuffer head) {
        if (head.remaining() < SIGNATURE.length()) return false;
        for (int i = 0; i < SIGNATURE.length(); i++) if (head.get(i) != SIGNATURE.charAt(i)) return false;
        return true;
    }

    /** Reads and checks both headers of {@code bytes}; {@code where} names the file in errors. */
    static KdumpHeader read(KdumpBytes bytes, ImageFile f) {
        String where = f.path().toString();
        ByteBuffer h = bytes.header(f, 0, HEADER_SIZE, "kdump header");
        if (!looksLikeKdump(h)) throw ChirpException.corrupt(where + ": no KDUMP signature");
        int version = h.getInt(H_VERSION);
        if (version < 1 || version > 100) throw ChirpException.corrupt(where + ": kdump header_version " + version);
        String release = text(h, H_UTSNAME + 2 * UTS_FIELD, UTS_FIELD);
        int status = h.getInt(H_STATUS);
        int block = h.getInt(H_BLOCK_SIZE);
        if (block < MIN_BLOCK || block > MAX_BLOCK || Integer.bitCount(block) != 1) {
            throw ChirpException.corrupt(where + ": kdump block_size " + block + " is not a page size (4 KiB-64 KiB)");
        }
        long subBlocks = Integer.toUnsignedLong(h.getInt(H_SUB_HDR_SIZE));
        long bitmapBlocks = Integer.toUnsignedLong(h.getInt(H_BITMAP_BLOCKS));
        int nrCpus = h.getInt(H_NR_CPUS);
        long maxBlocks = bytes.size() / block;
        if (subBlocks < 1 || subBlocks > maxBlocks || bitmapBlocks < 2 || bitmapBlocks > maxBlocks
                || 1 + subBlocks + bitmapBlocks > maxBlocks) {
            throw ChirpException.corrupt(where + ": kdump sub_hdr_size " + subBlocks + " and bitmap_blocks "
                    + bitmapBlocks + " blocks do not fit a " + bytes.size() + "-byte file: truncated?");
        }
        ByteBuffer s = bytes.header(f, block, SUB_HEADER_SIZE, "kdump sub-header");
        long maxMapnr = Integer.toUnsignedLong(h.getInt(H_MAX_MAPNR));
        boolean split = s.getInt(S_SPLIT) != 0;
        long startPfn = 0, endPfn;
        if (version >= 6) {
            maxMapnr = s.getLong(S_MAX_MAPNR_64);
            startPfn = s.getLong(S_START_PFN_64);
            endPfn = s.getLong(S_END_PFN_64);
        } else {
            startPfn = version >= 2 ? s.getLong(S_START_PFN) : 0;
            endPfn = version >= 2 ? s.getLong(S_END_PFN) : maxMapnr;
        }
        long maxPfn = MemoryImages.MAX_PHYS / block;
        if (maxMapnr <= 0 || maxMapnr > maxPfn) {
            throw ChirpException.corrupt(where + ": kdump max_mapnr " + Long.toUnsignedString(maxMapnr)
                    + " is not a page count of a 52-bit physical address space");
        }
        if (!split) {
            startPfn = 0;
            endPfn = maxMapnr;
        } else if (startPfn < 0 || endPfn <= startPfn || endPfn > maxMapnr) {
            throw ChirpException.corrupt(where + ": split kdump PFN range " + startPfn + "-" + endPfn
                    + " is not inside max_mapnr " + maxMapnr);
        }
        long bitmapBytes = bitmapBlocks * block / 2;
        if (bitmapBytes < (maxMapnr + 7) / 8) {
            throw ChirpException.corrupt(where + ": kdump bitmaps of " + bitmapBytes + " bytes cannot cover "
                    + maxMapnr + " pages");
        }
        if ((maxMapnr + 7) / 8 > MAX_BITMAP_BYTES) {
            throw ChirpException.corrupt(where + ": kdump of " + maxMapnr + " pages is larger than the "
                    + (MAX_BITMAP_BYTES * 8 * block >> 30) + " GiB this reader indexes");
        }
        long noteOffset = 0, noteSize = 0;
        if (version >= 4) {
            noteOffset = s.getLong(S_OFFSET_NOTE);
            noteSize = s.getLong(S_SIZE_NOTE);
            if (noteSize != 0 && (noteOffset < 0 || noteSize < 0 || noteOffset > bytes.size()
                    || noteSize > bytes.size() - noteOffset || noteSize > ImageFile.MAX_HEADER_BYTES)) {
                throw ChirpException.corrupt(where + ": kdump notes (" + noteSize + " bytes at 0x"
                        + Long.toHexString(noteOffset) + ") lie outside the file");
            }
        }
        long bitmapOffset = (1 + subBlocks) * block;
        long descriptorOffset = (1 + subBlocks + bitmapBlocks) * block;
        return new KdumpHeader(version, release, status, block, bitmapOffset, bitmapBytes, descriptorOffset,
                maxMapnr, nrCpus, split, startPfn, endPfn, noteOffset, noteSize);
    }

    /** {@return true if the dumper marked the dump as cut short} */
    boolean incomplete() { return (status & INCOMPLETE) != 0; }

    /** A NUL-terminated field, printable ASCII kept, anything else as '?': the text only ever goes into messages. */
    private static String text(ByteBuffer b, int offset, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < max; i++) {
            int c = b.get(offset + i) & 0xff;
            if (c == 0) break;
            sb.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
        }
        return sb.toString();
    }
}
