package io.chirp.tables;

import io.chirp.core.ChirpException;
import io.chirp.disk.acquire.AcquiredDisk;
import io.chirp.disk.fs.DirEntry;
import io.chirp.disk.fs.Directory;
import io.chirp.disk.fs.ExtractedFile;
import io.chirp.disk.fs.Extractor;
import io.chirp.disk.fs.FileMeta;
import io.chirp.disk.fs.FileRecord;
import io.chirp.disk.fs.FileSystem;
import io.chirp.disk.fs.FileWalker;
import io.chirp.disk.fs.GuestNames;
import io.chirp.disk.fs.Listing;
import io.chirp.disk.fs.Macb;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static io.chirp.tables.ColumnType.BOOLEAN;
import static io.chirp.tables.ColumnType.INTEGER;
import static io.chirp.tables.ColumnType.STRING;
import static io.chirp.tables.ColumnType.TIMESTAMP;

/**
 * Tables of disks: a file system listing with MACB times ({@code chirp disk ls}), extracted files ({@code disk
 * extract}) and disk images ({@code disk acquire}). Guest file names are shown with {@link #shown}: bytes that were
 * not UTF-8 as {@code \xNN} and bidi controls as <code>&#92;uNNNN</code>, so a JSON cell (which cannot hold a lone byte)
 * and a table cell name the same file.
 */
public final class DiskTables {
    private DiskTables() {}

    public static final TableDef<FileRecord> FILES = TableDef.of("files", "A file of a guest file system with its MACB times.",
            Column.of("path", STRING, "path in the file system (guest data; undecodable bytes as \\xNN)", r -> shown(r.path())),
            Column.of("target", STRING, "a symbolic link's target, null otherwise",
                    r -> r.meta().flatMap(FileMeta::linkTarget).map(DiskTables::shown).orElse(null)),
            Column.of("inode", INTEGER, "inode number", r -> r.entry().inode()),
            Column.of("type", STRING, "file, directory, symlink, ...",
                    r -> r.meta().map(m -> m.type().name()).orElse(r.entry().type().name()).toLowerCase(Locale.ROOT)),
            Column.of("mode", STRING, "permissions as ls shows them, null if the inode is unreadable",
                    r -> r.meta().map(FileMeta::lsMode).orElse(null)),
            Column.of("uid", INTEGER, "owner, null if unreadable", r -> r.meta().map(FileMeta::uid).orElse(null)),
            Column.of("gid", INTEGER, "group, null if unreadable", r -> r.meta().map(FileMeta::gid).orElse(null)),
            Column.of("size", INTEGER, "size in bytes as the inode claims it, null if unreadable",
                    r -> r.meta().map(FileMeta::size).orElse(null)),
            Column.of("modified", TIMESTAMP, "content last modified (M)", r -> time(times(r).modified())),
            Column.of("accessed", TIMESTAMP, "last accessed (A)", r -> time(times(r).accessed())),
            Column.of("changed", TIMESTAMP, "inode last changed (C)", r -> time(times(r).changed())),
            Column.of("born", TIMESTAMP, "created (B), null if the file system does not record it", r -> time(times(r).born())),
            Column.of("deleted", BOOLEAN, "true for a deleted entry still found in its directory", r -> r.entry().deleted()));

    public static final TableDef<ExtractedFile> EXTRACTED = TableDef.of("extracted", "A file copied out of a guest file system.",
            Column.of("path", STRING, "its path in the file system (empty when extracted by inode)", x -> shown(x.sourcePath())),
            Column.of("inode", INTEGER, "inode number", ExtractedFile::inode),
            Column.of("claimed_size", INTEGER, "size the inode claims", ExtractedFile::claimedSize),
            Column.of("size", INTEGER, "bytes written", ExtractedFile::size),
            Column.of("holes", INTEGER, "holes left as holes (listed in the manifest)", x -> x.holes().size()),
            Column.of("sha256", STRING, "SHA-256 of what was written", ExtractedFile::sha256),
            Column.of("output", STRING, "the file written", x -> x.output().toString()),
            Column.of("status", STRING, "complete or partial", x -> x.complete() ? "complete" : "partial"));

    /** An acquired disk image, with the output format as it was asked for. */
    public record AcquiredRow(AcquiredDisk disk, String format) {}

    public static final TableDef<AcquiredRow> ACQUIRED = TableDef.of("disk_image", "A disk image taken from a VM or an image.",
            Column.of("output", STRING, "the image file", a -> a.disk().output().toString()),
            Column.of("format", STRING, "raw or qcow2", AcquiredRow::format),
            Column.of("size", INTEGER, "virtual size in bytes", a -> a.disk().virtualSize()),
            Column.of("content_sha256", STRING, "SHA-256 of the disk's content (the raw bytes)", a -> a.disk().contentSha256()),
            Column.of("file_sha256", STRING, "SHA-256 of the file written", a -> a.disk().fileSha256()),
            Column.of("manifest", STRING, "its manifest", a -> a.disk().manifest().toString()));

    /** {@return every disk table} */
    public static List<TableDef<?>> all() { return List.of(FILES, EXTRACTED, ACQUIRED); }

    /**
     * {@code disk ls}: the directory {@code path}, or with {@code recursive} every file below it, with their MACB
     * times. A file whose inode cannot be read is still a row (its metadata cells absent), the reason a problem.
     */
    public static Rows ls(FileSystem fs, String path, boolean recursive) {
        List<FileRecord> records = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String base = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        if (recursive) {
            Listing l = FileWalker.walk(fs);
            problems.addAll(l.problems());
            String prefix = base.equals("/") ? "/" : base + "/";
            for (FileRecord r : l.records()) if (r.path().startsWith(prefix)) records.add(r);
        } else {
            problems.addAll(fs.volumeProblems());
            long dir = Extractor.resolve(fs, base);
            fs.stat(dir).problems().forEach(p -> problems.add(base + ": " + p));
            Directory d = fs.readDir(dir);
            d.problems().forEach(p -> problems.add(base + ": " + p));
            for (DirEntry e : d.entries()) {
                String p = (base.equals("/") ? "" : base) + "/" + e.name();
                Optional<FileMeta> m;
                Optional<String> problem = Optional.empty();
                try {
                    m = Optional.of(fs.stat(e.inode()));
                    m.get().problems().forEach(x -> problems.add(GuestNames.escape(p) + ": " + x));
                } catch (ChirpException ex) {
                    m = Optional.empty();
                    problem = Optional.of(ex.getMessage());
                    problems.add(GuestNames.escape(p) + ": " + ex.getMessage());
                }
                records.add(new FileRecord(p, e, m, problem));
            }
        }
        return FILES.rows(records, false, problems);
    }

    /**
     * A guest name for a cell: bytes that were not UTF-8 as \\xNN and bidi controls as &#92;uNNNN (see
     * {@link GuestNames#escape}); the output format escapes control characters and backslashes itself.
     */
    public static String shown(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                sb.append(c).append(name.charAt(++i));
            } else if (Character.isSurrogate(c) || c == 0x061c || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e)
                    || (c >= 0x2060 && c <= 0x2069) || c == 0xfeff) {
                sb.append(GuestNames.escape(String.valueOf(c)));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static Macb times(FileRecord r) { return r.meta().map(FileMeta::times).orElse(Macb.NONE); }

    private static String time(Optional<Instant> t) { return t.map(Instant::toString).orElse(null); }
}
