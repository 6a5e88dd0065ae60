package io.chirp.monitor;

import io.chirp.core.ChirpException;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.fs.FileInfo;
import io.chirp.linux.fs.OpenFile;
import io.chirp.linux.fs.OpenFiles;
import io.chirp.linux.fs.PageCache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * File activity from the hypervisor side: the kernel's inode caches of every mounted file system
 * ({@link PageCache#list}), diffed between two polls into creations, changes, renames and deletions, each with its
 * inode, owner and times, and with the process that holds the file open when one does.
 *
 * <p>An inode cache is not a file system: a disk file system's inodes come and go from it as they are read and
 * evicted. So a new inode counts as created only if its ctime is later than every ctime seen before (reading an
 * old file brings in an old inode), and a vanished inode counts as deleted only where the cache is the file system
 * itself (tmpfs, ramfs, rootfs: unlinking evicts the inode there); elsewhere a deletion is seen as the link count
 * dropping to zero while the inode is still cached. What happens and is undone between two polls is not seen.
 */
final class FileWatch {
    /** File systems whose inode cache is the whole file system: an inode that leaves it was deleted. */
    private static final Set<String> MEMORY_FS = Set.of("tmpfs", "ramfs", "rootfs", "devtmpfs");

    private final PageCache cache;
    private final OpenFiles open;
    private Map<String, Snapshot.File> last;
    private double horizon = Double.NEGATIVE_INFINITY;

    FileWatch(LinuxKernel k) {
        this.cache = new PageCache(k);
        this.open = new OpenFiles(k);
    }

    /** {@return the file changes since the last poll (none at the first, which is the baseline)} */
    List<Change> poll() {
        PageCache.Listing l = cache.list(false);
        Map<String, Snapshot.File> now = new LinkedHashMap<>();
        for (PageCache.CachedFile f : l.files()) {
            if (f.path() == null && !f.deleted()) continue; // no name to report (an internal inode)
            Snapshot.File v = new Snapshot.File(f.mountPoint(), f.fsType(), f.inode(), f.path(), f.size(), f.uid(),
                    f.times().accessed(), f.times().modified(), f.times().changed(), f.deleted(), f.address());
            now.put(v.key(), v);
        }
        List<Change> out = new ArrayList<>();
        Map<String, Snapshot.File> before = last;
        double previousHorizon = horizon;
        for (Snapshot.File f : now.values()) if (f.changed() != null) horizon = Math.max(horizon, f.changed());
        last = now;
        if (before == null) return out;
        List<Change.FileActivity> found = new ArrayList<>();
        for (Snapshot.File f : now.values()) {
            Snapshot.File b = before.get(f.key());
            if (b == null) {
                if (!f.deleted() && f.changed() != null && f.changed() > previousHorizon) {
                    found.add(new Change.FileActivity(Change.FileKind.CREATE, f, null, null));
                }
            } else if (!b.deleted() && f.deleted()) {
                found.add(new Change.FileActivity(Change.FileKind.DELETE, f, null, null));
            } else if (b.path() != null && f.path() != null && !b.path().equals(f.path())) {
                found.add(new Change.FileActivity(Change.FileKind.RENAME, b, f.path(), null));
            } else if (!f.deleted() && (b.size() != f.size() || !Objects.equals(b.modified(), f.modified()))) {
                found.add(new Change.FileActivity(Change.FileKind.UPDATE, f, null, null));
            }
        }
        if (l.complete()) {
            for (Snapshot.File b : before.values()) {
                if (!now.containsKey(b.key()) && !b.deleted() && MEMORY_FS.contains(b.fsType())) {
                    found.add(new Change.FileActivity(Change.FileKind.DELETE, b, null, null));
                }
            }
        }
        if (found.isEmpty()) return out;
        Map<Long, Snapshot.Proc> holders = holders();
        for (Change.FileActivity f : found) {
            out.add(new Change.FileActivity(f.kind(), f.file(), f.newPath(), holders.get(f.file().inode())));
        }
        return out;
    }

    /** {@return by inode number, a process holding it open for writing (else for reading), read only when needed} */
    private Map<Long, Snapshot.Proc> holders() {
        Map<Long, Snapshot.Proc> out = new HashMap<>();
        try {
            for (OpenFile o : open.list().files()) {
                if (o.file().kind() != FileInfo.Kind.REGULAR) continue;
                Snapshot.Proc p = new Snapshot.Proc(o.pid(), -1, o.comm(), null, null, -1, -1, 0, false);
                if (o.file().mode().contains("w")) out.put(o.file().inode(), p);
                else out.putIfAbsent(o.file().inode(), p);
            }
        } catch (ChirpException e) {
            // no attribution this time: the events still go out, with the kernel as their actor
        }
        return out;
    }
}
