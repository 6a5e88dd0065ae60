package io.chirp.disk.fs;

import java.io.PrintWriter;

/**
 * Writes a listing in the Sleuth Kit 3.x body format that {@code fls -m} writes and {@code mactime} reads:
 * {@code MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime}, times in whole seconds, 0 when
 * absent. Names get the same decorations {@code fls} adds (" -> target", " (deleted)").
 */
public final class BodyFile {
    private BodyFile() {}

    /** Writes one line per record to {@code out}, paths prefixed with {@code mountPoint} ("/" for none). */
    public static void write(Listing listing, String mountPoint, PrintWriter out) {
        String prefix = mountPoint.endsWith("/") ? mountPoint.substring(0, mountPoint.length() - 1) : mountPoint;
        for (FileRecord r : listing.records()) out.println(line(r, prefix));
        out.flush();
    }

    /** {@return the body line of one record} */
    public static String line(FileRecord r, String prefix) {
        StringBuilder name = new StringBuilder(prefix).append(r.path());
        r.meta().flatMap(FileMeta::linkTarget).ifPresent(t -> name.append(" -> ").append(t));
        if (r.entry().deleted()) name.append(" (deleted)");
        StringBuilder sb = new StringBuilder("0|").append(sanitize(name.toString())).append('|').append(r.entry().inode()).append('|');
        sb.append(r.entry().type().tskLetter()).append('/');
        if (r.meta().isEmpty()) return sb.append("----------|0|0|0|0|0|0|0").toString();
        FileMeta m = r.meta().get();
        sb.append(m.tskMode()).append('|').append(m.uid()).append('|').append(m.gid()).append('|').append(m.size());
        Macb t = m.times();
        sb.append('|').append(Macb.epochSeconds(t.accessed())).append('|').append(Macb.epochSeconds(t.modified()))
                .append('|').append(Macb.epochSeconds(t.changed())).append('|').append(Macb.epochSeconds(t.born()));
        return sb.toString();
    }

    /** Control characters become '^' as the Sleuth Kit prints them, so a name cannot break the line format. */
    static String sanitize(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '^' : c);
        }
        return sb.toString();
    }
}
