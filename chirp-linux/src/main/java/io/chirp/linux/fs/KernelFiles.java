package io.chirp.linux.fs;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Paths;
import io.chirp.symbols.SymbolOffset;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Names a {@code struct file} the way {@code /proc/PID/fd} links do. Files on pseudo file systems (sockets, pipes,
 * anonymous inodes) have no path; the kernel names them with the dentry's {@code d_op->d_dname} callback, so the
 * callback is identified here by its symbol rather than by comparing file system names the guest could forge.
 */
public final class KernelFiles {
    private static final int S_IFMT = 0170000;

    private final LinuxKernel k;
    private final KernelReader r;
    private final Paths paths;
    private final long fPath, pathMnt, pathDentry, fInode, fOp, fFlags, fMode, fPos, fPrivate;
    private final long iIno, iMode, iSb, sbDev, dOp, dName, dHashPprev, dParent;
    private final long socketFileOps;

    public KernelFiles(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.paths = new Paths(k);
        Layout l = k.layout();
        fPath = l.offset("file", "f_path");
        pathMnt = l.offset("path", "mnt");
        pathDentry = l.offset("path", "dentry");
        fInode = l.offset("file", "f_inode");
        fOp = l.offset("file", "f_op");
        fFlags = l.offset("file", "f_flags");
        fMode = l.offset("file", "f_mode");
        fPos = l.offset("file", "f_pos");
        fPrivate = l.offset("file", "private_data");
        iIno = l.offset("inode", "i_ino");
        iMode = l.offset("inode", "i_mode");
        iSb = l.offset("inode", "i_sb");
        sbDev = l.offset("super_block", "s_dev");
        dOp = l.offset("dentry", "d_op");
        dName = l.offset("dentry_operations", "d_dname");
        dHashPprev = l.offset("dentry", "d_hash.pprev");
        dParent = l.offset("dentry", "d_parent");
        socketFileOps = k.symbols().lookup("socket_file_ops").map(s -> s.address()).orElse(0L);
    }

    public Paths paths() { return paths; }

    /** {@return true if the file is a socket (its f_op is the kernel's socket_file_ops)} */
    public boolean isSocket(long file) {
        try {
            return socketFileOps != 0 && r.u64(file + fOp) == socketFileOps;
        } catch (ChirpException e) {
            return false;
        }
    }

    /** {@return the struct socket of a socket file (file->private_data)} */
    public long socketOf(long file) { return privateData(file); }

    /** {@return file->private_data: the object behind an anonymous-inode file (a bpf prog, map or link, ...)} */
    public long privateData(long file) { return r.u64(file + fPrivate); }

    /** {@return file->f_op: which kind of kernel object a file is, told by its operations table's symbol} */
    public long operations(long file) { return r.u64(file + fOp); }

    /** {@return the inode number of a file, or empty if unreadable} */
    public Optional<Long> inodeNumber(long file) {
        try {
            return Optional.of(r.u64(r.u64(file + fInode) + iIno));
        } catch (ChirpException e) {
            return Optional.empty();
        }
    }

    /** {@return the path of a file (f_path through mounts), without pseudo-file naming} */
    public String path(long file) {
        return paths.path(r.u64(file + fPath + pathMnt), r.u64(file + fPath + pathDentry));
    }

    /** Describes one struct file; never throws for a bad field, only the fields read so far are lost. */
    public FileInfo describe(long file) {
        List<String> problems = new ArrayList<>();
        long ino = 0, dev = 0, pos = 0;
        int flags = 0, type = 0;
        String mode = "-";
        try {
            flags = r.u32(file + fFlags);
            int m = r.u32(file + fMode);
            mode = ((m & 1) != 0 ? "r" : "") + ((m & 2) != 0 ? "w" : "");
            if (mode.isEmpty()) mode = "-";
            pos = r.u64(file + fPos);
        } catch (ChirpException e) {
            problems.add("file: " + e.getMessage());
        }
        try {
            long inode = r.u64(file + fInode);
            ino = r.u64(inode + iIno);
            type = r.u16(inode + iMode) & S_IFMT;
            dev = r.u32(r.u64(inode + iSb) + sbDev) & 0xffff_ffffL;
        } catch (ChirpException e) {
            problems.add("inode: " + e.getMessage());
        }
        FileInfo.Kind kind = kindOf(type);
        String name;
        try {
            long dentry = r.u64(file + fPath + pathDentry);
            String dname = dnameCallback(dentry);
            if (dname != null) {
                switch (dname) {
                    case "sockfs_dname" -> { name = "socket:[" + ino + "]"; kind = FileInfo.Kind.SOCKET; }
                    case "pipefs_dname" -> { name = "pipe:[" + ino + "]"; kind = FileInfo.Kind.PIPE; }
                    case "anon_inodefs_dname" -> { name = "anon_inode:" + paths.name(dentry); kind = FileInfo.Kind.ANON_INODE; }
                    default -> name = paths.name(dentry) + " (" + dname + ")";
                }
            } else {
                name = paths.path(r.u64(file + fPath + pathMnt), dentry);
                if (unlinked(dentry)) name += " (deleted)";
            }
        } catch (ChirpException e) {
            problems.add("name: " + e.getMessage());
            name = null;
        }
        return new FileInfo(kind, name, ino, dev, flags, mode, pos, file, problems);
    }

    /** {@return the symbol name of dentry->d_op->d_dname, or null if the dentry has none} */
    private String dnameCallback(long dentry) {
        long ops = r.u64(dentry + dOp);
        if (ops == 0) return null;
        long fn = r.u64(ops + dName);
        if (fn == 0) return null;
        return k.symbols().symbolAt(fn).filter(s -> s.offset() == 0).map(SymbolOffset::symbol)
                .map(s -> s.name()).orElse("0x" + Long.toHexString(fn));
    }

    /** As d_unlinked(): unhashed and not a root. */
    private boolean unlinked(long dentry) {
        return r.u64(dentry + dHashPprev) == 0 && r.u64(dentry + dParent) != dentry;
    }

    private static FileInfo.Kind kindOf(int type) {
        return switch (type) {
            case 0100000 -> FileInfo.Kind.REGULAR;
            case 0040000 -> FileInfo.Kind.DIRECTORY;
            case 0020000 -> FileInfo.Kind.CHAR_DEVICE;
            case 0060000 -> FileInfo.Kind.BLOCK_DEVICE;
            case 0010000 -> FileInfo.Kind.FIFO;
            case 0140000 -> FileInfo.Kind.SOCKET;
            case 0120000 -> FileInfo.Kind.SYMLINK;
            default -> FileInfo.Kind.UNKNOWN;
        };
    }
}
