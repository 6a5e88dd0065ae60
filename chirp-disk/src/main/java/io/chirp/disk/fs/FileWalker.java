package io.chirp.disk.fs;

import io.chirp.core.ChirpException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Walks a file system from its root, pre-order like {@code fls -r}: bounded depth and count, each directory entered
 * once (a directory hard-linked into itself is a loop, not an infinite listing), and damage recorded as problems
 * while the walk goes on with the rest.
 */
public final class FileWalker {
    /** Deepest path followed; Linux paths cannot exceed 4096 bytes, so real trees stay far below this. */
    public static final int MAX_DEPTH = 2048;
    /** Most records in one listing. */
    public static final int MAX_RECORDS = 20_000_000;
    /** Most problems kept: a disk of alternating good and bad entries must not turn its damage into a heap. */
    public static final int MAX_PROBLEMS = 10_000;

    private FileWalker() {}

    /** {@return every file of {@code fs}, with orphans under {@code /$OrphanFiles} when the file system has them} */
    public static Listing walk(FileSystem fs) {
        List<FileRecord> out = new ArrayList<>();
        List<String> problems = new Problems();
        fs.volumeProblems().forEach(problems::add);
        Set<Long> entered = new HashSet<>();
        Set<Long> referenced = new HashSet<>();
        // an explicit stack of open directories gives true pre-order (an entry, then its subtree) without recursion
        record Open(String path, int depth, List<DirEntry> entries, int[] next) {}
        Deque<Open> stack = new ArrayDeque<>();
        entered.add(fs.rootInode());
        try {
            fs.stat(fs.rootInode()).problems().forEach(p -> problems.add("/: " + p));
        } catch (ChirpException e) {
            problems.add("/: root inode unreadable: " + e.getMessage());
        }
        referenced.add(fs.rootInode());
        open(fs, fs.rootInode(), "", problems).ifPresent(l -> stack.push(new Open("", 0, l, new int[1])));
        while (!stack.isEmpty()) {
            Open d = stack.peek();
            if (d.next()[0] >= d.entries().size()) {
                stack.pop();
                continue;
            }
            DirEntry e = d.entries().get(d.next()[0]++);
            if (out.size() >= MAX_RECORDS) {
                problems.add("stopped after " + MAX_RECORDS + " files");
                return new Listing(fs.type(), out, capped(problems));
            }
            String path = d.path() + "/" + e.name();
            FileRecord r = record(fs, path, e);
            out.add(r);
            noteProblems(r, problems);
            referenced.add(e.inode()); // a deleted name still accounts for its inode: not an orphan
            boolean isDir = r.meta().map(m -> m.type() == FileType.DIRECTORY).orElse(false);
            if (!isDir || e.deleted()) continue;
            if (d.depth() + 1 > MAX_DEPTH) problems.add(GuestNames.escape(path) + ": deeper than " + MAX_DEPTH + " levels, not entered");
            else if (!entered.add(e.inode())) problems.add(GuestNames.escape(path) + ": directory inode " + e.inode() + " already listed (loop or hard-linked directory)");
            else open(fs, e.inode(), path, problems).ifPresent(l -> stack.push(new Open(path, d.depth() + 1, l, new int[1])));
        }
        OptionalLong orphanDir = orphanDirectory(fs);
        if (orphanDir.isPresent()) {
            try {
                List<DirEntry> orphans = fs.orphans(referenced);
                out.add(new FileRecord("/$OrphanFiles", new DirEntry("$OrphanFiles", orphanDir.getAsLong(), FileType.VIRTUAL, false),
                        Optional.of(new FileMeta(orphanDir.getAsLong(), FileType.VIRTUAL, 0, 0, 0, 0, 1, Macb.NONE, true, Optional.empty(), List.of())),
                        Optional.empty()));
                for (DirEntry e : orphans) {
                    FileRecord r = record(fs, "/$OrphanFiles/" + e.name(), e);
                    out.add(r);
                    noteProblems(r, problems);
                }
            } catch (ChirpException e) {
                problems.add("orphan inodes not searched: " + e.getMessage());
            }
        }
        return new Listing(fs.type(), out, capped(problems));
    }

    /** Keeps the first {@link #MAX_PROBLEMS} problems and counts the rest. */
    private static final class Problems extends ArrayList<String> {
        private long dropped;

        @Override
        public boolean add(String s) {
            if (size() >= MAX_PROBLEMS) {
                dropped++;
                return false;
            }
            return super.add(s);
        }
    }

    private static List<String> capped(List<String> problems) {
        if (!(problems instanceof Problems p) || p.dropped == 0) return problems;
        List<String> kept = new ArrayList<>(p);
        kept.add("... and " + p.dropped + " more problems not shown");
        return kept;
    }

    /** A record whose inode could not be read, or is damaged, makes the listing partial: it says so, by path. */
    private static void noteProblems(FileRecord r, List<String> problems) {
        r.problem().ifPresent(p -> problems.add(GuestNames.escape(r.path()) + ": " + p));
        r.meta().ifPresent(m -> m.problems().forEach(p -> problems.add(GuestNames.escape(r.path()) + ": " + p)));
    }

    private static Optional<List<DirEntry>> open(FileSystem fs, long inode, String path, List<String> problems) {
        try {
            Directory d = fs.readDir(inode);
            d.problems().forEach(p -> problems.add((path.isEmpty() ? "/" : GuestNames.escape(path)) + ": " + p));
            return Optional.of(d.entries());
        } catch (ChirpException e) {
            problems.add((path.isEmpty() ? "/" : GuestNames.escape(path)) + ": directory unreadable: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static OptionalLong orphanDirectory(FileSystem fs) {
        return fs instanceof io.chirp.disk.fs.ext4.Ext4FileSystem ext4
                ? OptionalLong.of(ext4.superblock().inodesCount() + 1) : OptionalLong.empty();
    }

    private static FileRecord record(FileSystem fs, String path, DirEntry e) {
        try {
            return new FileRecord(path, e, Optional.of(fs.stat(e.inode())), Optional.empty());
        } catch (ChirpException ex) {
            return new FileRecord(path, e, Optional.empty(), Optional.of(ex.getMessage()));
        }
    }
}
