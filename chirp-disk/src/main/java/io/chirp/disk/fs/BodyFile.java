package io.chirp.disk.fs;

import java.io.PrintWriter;

/**
 * Writes a listing in the Sleuth Kit 3.x body format that {@code fls -m} writes and {@code mactime} reads:
 * {@code MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime}, times in whole seconds, 0 when
 * absent. Names get the same decorations {@code fls} adds (" -> target", " (deleted)").
 *
 * <p>Names are escaped by {@link GuestNames#escape}: unlike {@code fls}, which leaves '|' in a name (so a guest file
 * named {@code a|99|r-rwxrwxrwx|0|0|1} forges columns for mactime) and writes C0 controls as '^', CHIRP writes '|'
 * as {@code \x7c}, controls and bytes that are not UTF-8 as {@code \xNN}, bidi controls as <code>&#92;uNNNN</code> and
 * '\' as {@code \\}. Plain names are written exactly as {@code fls} writes them.
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
        StringBuilder sb = new StringBuilder("0|").append(GuestNames.escape(name.toString())).append('|').append(r.entry().inode()).append('|');
        sb.append(r.entry().type().tskLetter()).append('/');
        if (r.meta().isEmpty()) return sb.append("----------|0|0|0|0|0|0|0").toString();
        FileMeta m = r.meta().get();
        sb.append(m.tskMode()).append('|').append(m.uid()).append('|').append(m.gid()).append('|').append(m.size());
        Macb t = m.times();
        sb.append('|').append(Macb.epochSeconds(t.accessed())).append('|').append(Macb.epochSeconds(t.modified()))
                .append('|').append(Macb.epochSeconds(t.changed())).append('|').append(Macb.epochSeconds(t.born()));
        return sb.toString();
    }
}
