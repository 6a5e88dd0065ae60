package io.chirp.disk.fs.ext4;

import io.chirp.disk.LittleEndian;
import io.chirp.disk.fs.DirEntry;
import io.chirp.disk.fs.FileType;

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

    /**
     * Parses one directory block (or inline area) of {@code len} bytes at {@code off}; {@code indexed}: an htree
     * directory. Entries that cannot be right are skipped and named in {@code problems} ({@code where} says which
     * block); parsing then resynchronises on the next plausible entry, 4 bytes at a time, as the Sleuth Kit does,
     * so one damaged record length does not hide the rest of the block.
     */
    static void parseBlock(byte[] b, int off, int len, long inodesCount, boolean fileTypes, boolean indexed, List<DirEntry> out,
                           List<String> problems, String where) {
        int end = off + len;
        int pos = off;
        while (pos + 8 <= end && out.size() < MAX_ENTRIES) {
            long ino = LittleEndian.u32(b, pos);
            int raw = LittleEndian.u16(b, pos + 4);
            int recLen = recLen(raw, len);
            int nameLen = LittleEndian.u8(b, pos + 6);
            String bad = null;
            if (recLen < 8 || (recLen & 3) != 0 || pos + recLen > end) bad = "record length " + raw;
            else if (ino > inodesCount) bad = "inode number " + ino + " (the file system has " + inodesCount + ")";
            else if (ino != 0 && nameLen == 0) bad = "empty name";
            else if (ino != 0 && 8 + nameLen > recLen) bad = "name length " + nameLen + " overrunning its " + recLen + "-byte record";
            if (bad != null) {
                int next = resync(b, pos + 4, end, inodesCount);
                problems.add(where + ", offset " + (pos - off) + ": entry" + describe(b, pos, end, ino) + " has " + bad
                        + "; skipped " + (next - pos) + " bytes" + (next + 8 <= end ? " to the next plausible entry" : " to the end of the block"));
                pos = next;
                continue;
            }
            if (ino != 0) addEntry(b, pos, nameLen, ino, fileTypes, false, out);
            int used = ino == 0 ? 8 : (8 + nameLen + 3) & ~3;
            // an empty entry spanning the whole block is an htree index node (or an emptied block), and ".." of an
            // htree root is followed by the index: neither holds old names, only hash/block pairs that look like them
            boolean index = indexed && (ino == 0 && recLen == len || nameLen == 2 && b[pos + 8] == '.' && b[pos + 9] == '.' && recLen == len - 12);
            if (!index && recLen > used + 8) slack(b, pos + used, pos + recLen, inodesCount, fileTypes, out);
            pos += recLen;
        }
    }

    /** The next offset, on a 4-byte step from {@code from}, holding an entry the Sleuth Kit would accept. */
    private static int resync(byte[] b, int from, int end, long inodesCount) {
        for (int pos = from; pos + 8 <= end; pos += 4) {
            long ino = LittleEndian.u32(b, pos);
            int recLen = LittleEndian.u16(b, pos + 4);
            int nameLen = LittleEndian.u8(b, pos + 6);
            int need = (8 + nameLen + 3) & ~3;
            if (ino <= inodesCount && nameLen > 0 && recLen >= need && (recLen & 3) == 0 && pos + recLen <= end) return pos;
        }
        return end;
    }

    /** " (inode N, name ...)" for a skipped entry when its fields can be read, for the analyst to follow up. */
    private static String describe(byte[] b, int pos, int end, long ino) {
        int nameLen = LittleEndian.u8(b, pos + 6);
        String name = nameLen > 0 && pos + 8 + nameLen <= end
                ? ", name \"" + io.chirp.disk.fs.GuestNames.escape(io.chirp.disk.fs.GuestNames.decode(b, pos + 8, nameLen)) + "\"" : "";
        return " (inode " + ino + name + ")";
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
        String name = io.chirp.disk.fs.GuestNames.decode(b, pos + 8, nameLen);
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
