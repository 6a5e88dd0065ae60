package io.chirp.disk.fs.ext4;

import io.chirp.disk.LittleEndian;
import io.chirp.disk.fs.DirEntry;
import io.chirp.disk.fs.FileType;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Parses ext4 directory blocks: linear entries {@code (inode u32, rec_len u16, name_len u8, file_type u8, name)}.
 * htree directories need no special path: their index blocks are laid out as one empty entry spanning the block.
 * Slack after an entry's name may hold older entries whose predecessor's rec_len grew over them: deleted names.
 */
final class Directories {
    /** Entries read from one directory, all blocks: stops a hostile directory from exhausting the heap. */
    static final int MAX_ENTRIES = 4 << 20;

    private Directories() {}

    /** Parses one directory block (or inline area) of {@code len} bytes at {@code off}; {@code indexed}: an htree directory. */
    static void parseBlock(byte[] b, int off, int len, long inodesCount, boolean fileTypes, boolean indexed, List<DirEntry> out) {
        int end = off + len;
        int pos = off;
        while (pos + 8 <= end && out.size() < MAX_ENTRIES) {
            long ino = LittleEndian.u32(b, pos);
            int recLen = recLen(LittleEndian.u16(b, pos + 4), len);
            int nameLen = LittleEndian.u8(b, pos + 6);
            if (recLen < 8 || (recLen & 3) != 0 || pos + recLen > end) return; // damaged: keep what was read
            if (ino != 0 && ino <= inodesCount && nameLen > 0 && 8 + nameLen <= recLen) {
                addEntry(b, pos, nameLen, ino, fileTypes, false, out);
            }
            int used = ino == 0 ? 8 : (8 + nameLen + 3) & ~3;
            // an empty entry spanning the whole block is an htree index node (or an emptied block), and ".." of an
            // htree root is followed by the index: neither holds old names, only hash/block pairs that look like them
            boolean index = indexed && (ino == 0 && recLen == len || nameLen == 2 && b[pos + 8] == '.' && b[pos + 9] == '.' && recLen == len - 12);
            if (!index && recLen > used + 8) slack(b, pos + used, pos + recLen, inodesCount, fileTypes, out);
            pos += recLen;
        }
    }

    /** Old entries in the slack between a live entry's name and its rec_len end. */
    private static void slack(byte[] b, int from, int to, long inodesCount, boolean fileTypes, List<DirEntry> out) {
        int pos = from;
        while (pos + 8 <= to && out.size() < MAX_ENTRIES) {
            long ino = LittleEndian.u32(b, pos);
            int recLen = LittleEndian.u16(b, pos + 4);
            int nameLen = LittleEndian.u8(b, pos + 6);
            int need = (8 + nameLen + 3) & ~3;
            if (ino != 0 && ino <= inodesCount && nameLen > 0 && pos + 8 + nameLen <= to && recLen >= need
                    && (recLen & 3) == 0 && plausibleName(b, pos + 8, nameLen)) {
                addEntry(b, pos, nameLen, ino, fileTypes, true, out);
                pos += need;
            } else {
                pos += 4;
            }
        }
    }

    private static boolean plausibleName(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) if ((b[off + i] & 0xff) < 0x20 || b[off + i] == '/') return false;
        return true;
    }

    private static void addEntry(byte[] b, int pos, int nameLen, long ino, boolean fileTypes, boolean deleted, List<DirEntry> out) {
        String name = new String(b, pos + 8, nameLen, StandardCharsets.UTF_8);
        if (name.equals(".") || name.equals("..")) return;
        FileType t = fileTypes ? type(LittleEndian.u8(b, pos + 7)) : FileType.UNKNOWN;
        out.add(new DirEntry(name, ino, t, deleted));
    }

    /** rec_len 0 or 65535 with 64 KiB blocks means "the whole block" (EXT4_MAX_REC_LEN encoding). */
    private static int recLen(int raw, int blockLen) {
        if (blockLen >= 65536 && (raw == 65535 || raw == 0)) return blockLen;
        return raw;
    }

    static FileType type(int t) {
        return switch (t) {
            case 1 -> FileType.REGULAR;
            case 2 -> FileType.DIRECTORY;
            case 3 -> FileType.CHARACTER;
            case 4 -> FileType.BLOCK;
            case 5 -> FileType.FIFO;
            case 6 -> FileType.SOCKET;
            case 7 -> FileType.SYMLINK;
            default -> FileType.UNKNOWN;
        };
    }
}
