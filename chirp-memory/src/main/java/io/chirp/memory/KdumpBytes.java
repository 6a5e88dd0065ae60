package io.chirp.memory;

import io.chirp.core.ChirpException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The logical bytes of a kdump-compressed file: the file itself, or, for makedumpfile's <em>flattened</em> format
 * (written where the output cannot seek: a pipe, an ssh stream, and by QEMU before 8.2 for every kdump format), the
 * file those records describe. A flattened file is a 4096-byte header {@code {"makedumpfile", be64 type 1, be64
 * version 1}} and records {@code {be64 offset, be64 size}} + data, ended by {@code {-1, -1}}; it is indexed on open
 * (record headers only, no data is copied), a later record over the same bytes wins, as in {@code makedumpfile -R}.
 */
sealed interface KdumpBytes permits KdumpBytes.Plain, KdumpBytes.Flattened {
    /** {@code "makedumpfile"}, NUL-padded to 16 bytes. */
    String FLAT_SIGNATURE = "makedumpfile";
    int FLAT_HEADER_SIZE = 4096;
    int FLAT_RECORD_HEADER = 16;
    /** More records than this is not a dump (QEMU writes one per 16 KiB or so; 4 M records describe 64 GiB). */
    int MAX_FLAT_RECORDS = 4 << 20;

    /** {@return one past the last logical byte} */
    long size();

    /** {@return a short description: "flattened" and whether its end marker was missing} */
    String describe();

    /**
     * Reads exactly {@code length} logical bytes at {@code offset} into {@code dst}.
     *
     * @return false if any of them is not stored (outside the file, in a gap between flattened records)
     */
    boolean read(long offset, byte[] dst, int dstOffset, int length);

    /** Reads a header structure, or fails as CORRUPT naming {@code what}. */
    default ByteBuffer header(ImageFile f, long offset, long length, String what) {
        if (length < 0 || length > ImageFile.MAX_HEADER_BYTES) {
            throw ChirpException.corrupt(f.path() + ": " + what + " claims " + length + " bytes, more than the "
                    + ImageFile.MAX_HEADER_BYTES + " allowed for headers");
        }
        byte[] b = new byte[(int) length];
        if (!read(offset, b, 0, b.length)) {
            throw ChirpException.corrupt(f.path() + ": truncated: " + what + " needs " + length + " bytes at 0x"
                    + Long.toHexString(offset) + ", which the " + describe() + " file does not hold");
        }
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static boolean looksFlattened(ByteBuffer head) {
        if (head.remaining() < FLAT_SIGNATURE.length() + 1) return false;
        for (int i = 0; i < FLAT_SIGNATURE.length(); i++) if (head.get(i) != FLAT_SIGNATURE.charAt(i)) return false;
        return head.get(FLAT_SIGNATURE.length()) == 0;
    }

    /** An ordinary kdump file: logical offset == file offset. */
    final class Plain implements KdumpBytes {
        private final ImageFile file;

        Plain(ImageFile file) { this.file = file; }

        @Override public long size() { return file.size(); }

        @Override public String describe() { return "kdump"; }

        @Override
        public boolean read(long offset, byte[] dst, int dstOffset, int length) {
            return file.readFully(offset, dst, dstOffset, length);
        }
    }

    /** A flattened file, indexed: logical start -> where that run of bytes lies in the file. */
    final class Flattened implements KdumpBytes {
        /** A run of logical bytes stored contiguously in the file. */
        private record Piece(long start, long length, long fileOffset) {
            long end() { return start + length; }
        }

        private final ImageFile file;
        private final TreeMap<Long, Piece> pieces = new TreeMap<>();
        private final boolean ended;
        private long size;

        Flattened(ImageFile file) {
            this.file = file;
            String where = file.path().toString();
            ByteBuffer h = file.read(0, 32, "flattened header").order(ByteOrder.BIG_ENDIAN);
            byte[] sig = new byte[FLAT_SIGNATURE.length()];
            h.get(0, sig);
            if (!new String(sig, StandardCharsets.US_ASCII).equals(FLAT_SIGNATURE)) {
                throw ChirpException.corrupt(where + ": not a flattened makedumpfile file");
            }
            long type = h.getLong(16), version = h.getLong(24);
            if (type != 1 || version != 1) {
                throw ChirpException.corrupt(where + ": flattened header type " + type + " version " + version
                        + ", only 1/1 is defined");
            }
            long off = FLAT_HEADER_SIZE;
            boolean end = false;
            int records = 0;
            while (file.contains(off, FLAT_RECORD_HEADER)) {
                ByteBuffer r = file.read(off, FLAT_RECORD_HEADER, "flattened record " + records).order(ByteOrder.BIG_ENDIAN);
                long logical = r.getLong(0), length = r.getLong(8);
                if (logical == -1 && length == -1) { end = true; break; }
                if (logical < 0 || length < 0 || length > file.size() - off - FLAT_RECORD_HEADER
                        || logical > Long.MAX_VALUE - length) {
                    throw ChirpException.corrupt(where + ": flattened record " + records + " at 0x"
                            + Long.toHexString(off) + " claims " + length + " bytes at offset " + logical
                            + ": truncated or not a dump");
                }
                if (++records > MAX_FLAT_RECORDS) {
                    throw ChirpException.corrupt(where + ": more than " + MAX_FLAT_RECORDS + " flattened records");
                }
                if (length > 0) put(new Piece(logical, length, off + FLAT_RECORD_HEADER));
                off += FLAT_RECORD_HEADER + length;
            }
            if (pieces.isEmpty()) throw ChirpException.corrupt(where + ": flattened file holds no records");
            this.ended = end;
        }

        /** Inserts a record; where it covers earlier ones, it replaces those bytes (later writes win). */
        private void put(Piece p) {
            Map.Entry<Long, Piece> before = pieces.lowerEntry(p.start());
            if (before != null && before.getValue().end() > p.start()) {
                Piece b = before.getValue();
                pieces.put(b.start(), new Piece(b.start(), p.start() - b.start(), b.fileOffset()));
                if (b.end() > p.end()) {
                    long cut = p.end() - b.start();
                    pieces.put(p.end(), new Piece(p.end(), b.length() - cut, b.fileOffset() + cut));
                }
            }
            // pieces starting inside p: drop them, keeping a tail that runs past p's end
            var inside = pieces.subMap(p.start(), true, p.end(), false);
            Piece last = inside.isEmpty() ? null : inside.lastEntry().getValue();
            inside.clear();
            if (last != null && last.end() > p.end()) {
                long cut = p.end() - last.start();
                pieces.put(p.end(), new Piece(p.end(), last.length() - cut, last.fileOffset() + cut));
            }
            pieces.put(p.start(), p);
            size = Math.max(size, p.end());
        }

        @Override public long size() { return size; }

        @Override
        public String describe() {
            return ended ? "flattened kdump" : "flattened kdump (truncated: no end marker)";
        }

        /** {@return false when the records ran to the end of the file without the {-1, -1} end marker} */
        boolean truncated() { return !ended; }

        @Override
        public boolean read(long offset, byte[] dst, int dstOffset, int length) {
            if (offset < 0 || length < 0 || offset > Long.MAX_VALUE - length) return false;
            long cur = offset, end = offset + length;
            while (cur < end) {
                Map.Entry<Long, Piece> e = pieces.floorEntry(cur);
                if (e == null || e.getValue().end() <= cur) return false;
                Piece p = e.getValue();
                int n = (int) Math.min(end - cur, p.end() - cur);
                if (!file.readFully(p.fileOffset() + (cur - p.start()), dst, dstOffset + (int) (cur - offset), n)) {
                    return false;
                }
                cur += n;
            }
            return true;
        }
    }
}
