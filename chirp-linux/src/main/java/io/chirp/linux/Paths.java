package io.chirp.linux;

import io.chirp.core.ChirpException;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Turns a kernel {@code struct path} (vfsmount + dentry) into a path string, the way {@code d_path} does:
 * up the dentry chain to the mount's root, then across to the mountpoint in the parent mount, until the
 * root mount. Bounded in depth; a name that cannot be read makes the result partial, marked with "?".
 */
public final class Paths {
    private static final int MAX_DEPTH = 256;
    private static final int MAX_NAME = 255;

    private final KernelReader r;
    private final long dParent, dName, qstrLen, qstrName, mntRoot, mountMnt, mntParent, mntMountpoint;

    public Paths(LinuxKernel k) {
        this.r = k.reader();
        Layout l = k.layout();
        dParent = l.offset("dentry", "d_parent");
        dName = l.offset("dentry", "d_name");
        qstrLen = l.offset("qstr", "len");
        qstrName = l.offset("qstr", "name");
        mntRoot = l.offset("vfsmount", "mnt_root");
        mountMnt = l.offset("mount", "mnt");
        mntParent = l.offset("mount", "mnt_parent");
        mntMountpoint = l.offset("mount", "mnt_mountpoint");
    }

    /** {@return the path of {@code dentry} as seen through {@code vfsmount}} */
    public String path(long vfsmount, long dentry) {
        Deque<String> parts = new ArrayDeque<>();
        long mount = vfsmount - mountMnt;
        long d = dentry;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            long root;
            try {
                root = vfsmount == 0 ? 0 : r.u64(mount + mountMnt + mntRoot);
            } catch (ChirpException e) {
                parts.addFirst("?");
                break;
            }
            if (vfsmount != 0 && d == root) {
                long parent;
                try {
                    parent = r.u64(mount + mntParent);
                } catch (ChirpException e) {
                    parts.addFirst("?");
                    break;
                }
                if (parent == mount || parent == 0) break;
                d = r.u64(mount + mntMountpoint);
                mount = parent;
                continue;
            }
            long parent;
            try {
                parent = r.u64(d + dParent);
            } catch (ChirpException e) {
                parts.addFirst("?");
                break;
            }
            if (parent == d) break;
            parts.addFirst(name(d));
            d = parent;
            if (depth == MAX_DEPTH - 1) parts.addFirst("...");
        }
        if (parts.isEmpty()) return "/";
        return "/" + String.join("/", parts);
    }

    /** {@return the last component name of a dentry} */
    public String name(long dentry) {
        try {
            int len = r.u32(dentry + dName + qstrLen);
            long p = r.u64(dentry + dName + qstrName);
            if (len < 0 || len > MAX_NAME) return "?";
            return r.chars(p, len);
        } catch (ChirpException e) {
            return "?";
        }
    }
}
