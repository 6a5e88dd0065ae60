package io.chirp.linux.fs;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Paths;
import io.chirp.linux.KernelFeatures;
import io.chirp.linux.Walk;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The mounts of the init process's mount namespace ({@code init_task.nsproxy->mnt_ns}), in mount order. Linux up to
 * 6.7 links them on {@code mnt_namespace.list}; later kernels keep an rbtree ({@code mnt_namespace.mounts},
 * {@code mount.mnt_node}): BTF says which, once.
 */
public final class Mounts {
    /** The most mounts read from one namespace. */
    public static final int MAX_MOUNTS = 1 << 16;
    private static final int MAX_NAME = 4096;
    private static final int MNT_READONLY = 0x40, SB_RDONLY = 1;
    /** A flag bit and the word /proc/mounts prints for it, in the order show_sb_opts / show_mnt_opts print them. */
    private record Opt(long bit, String name) {}
    private static final List<Opt> SB_OPTS = List.of(new Opt(16, "sync"), new Opt(128, "dirsync"), new Opt(64, "mand"),
            new Opt(1 << 25, "lazytime"));
    private static final List<Opt> MNT_OPTS = List.of(new Opt(1, "nosuid"), new Opt(2, "nodev"), new Opt(4, "noexec"),
            new Opt(8, "noatime"), new Opt(16, "nodiratime"), new Opt(32, "relatime"), new Opt(128, "nosymfollow"));

    /**
     * The mounts found.
     *
     * @param mounts   in the namespace's order
     * @param complete true if the whole list or tree was read
     * @param problem  why not ("" when complete)
     */
    public record Listing(List<Mount> mounts, boolean complete, String problem) {
        public Listing { mounts = List.copyOf(mounts); }
    }

    private final LinuxKernel k;
    private final KernelReader r;
    private final Paths paths;
    private final long taskNsproxy, nsMnt, mountMnt, mntRoot, mntSb, mntFlags, devname, sbType, sbFlags, sbSubtype;
    private final long typeName, rbRight, rbLeft;
    private final OptionalLong nsList, mntList, nsRoot, mntNode;

    public Mounts(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.paths = new Paths(k);
        Layout l = k.layout();
        taskNsproxy = l.offset("task_struct", "nsproxy");
        nsMnt = l.offset("nsproxy", "mnt_ns");
        mountMnt = l.offset("mount", "mnt");
        mntRoot = l.offset("vfsmount", "mnt_root");
        mntSb = l.offset("vfsmount", "mnt_sb");
        mntFlags = l.offset("vfsmount", "mnt_flags");
        devname = l.offset("mount", "mnt_devname");
        sbType = l.offset("super_block", "s_type");
        sbFlags = l.offset("super_block", "s_flags");
        sbSubtype = l.find("super_block", "s_subtype").orElse(-1);
        typeName = l.offset("file_system_type", "name");
        rbRight = l.offset("rb_node", "rb_right");
        rbLeft = l.offset("rb_node", "rb_left");
        KernelFeatures.MountTree tree = k.features().mounts();
        if (tree == KernelFeatures.MountTree.NONE) {
            throw ChirpException.unavailable("this kernel keeps its mounts in a structure CHIRP does not know");
        }
        boolean list = tree == KernelFeatures.MountTree.LIST;
        nsList = list ? OptionalLong.of(l.offset("mnt_namespace", "list")) : OptionalLong.empty();
        mntList = list ? OptionalLong.of(l.offset("mount", "mnt_list")) : OptionalLong.empty();
        mntNode = list ? OptionalLong.empty() : OptionalLong.of(l.offset("mount", "mnt_node"));
        nsRoot = list ? OptionalLong.empty() : OptionalLong.of(l.offset("mnt_namespace", "mounts"));
    }

    /** {@return the mounts of init's mount namespace} */
    public Listing list() {
        long ns = r.u64(r.u64(k.symbol("init_task") + taskNsproxy) + nsMnt);
        return list(ns);
    }

    /** {@return the mounts of the mount namespace at {@code ns}} */
    public Listing list(long ns) {
        Walk w = nsList.isPresent() && mntList.isPresent()
                ? Walk.listHead(r, ns + nsList.getAsLong(), mntList.getAsLong(), MAX_MOUNTS)
                : Walk.rbInOrder(r, ns + nsRoot.getAsLong(), mntNode.getAsLong(), rbLeft, rbRight, MAX_MOUNTS);
        List<Mount> out = new ArrayList<>();
        for (long m : w.items()) out.add(read(m));
        return new Listing(out, w.complete(), w.problem());
    }

    private Mount read(long m) {
        List<String> problems = new ArrayList<>();
        String dev = null, point = null, type = null;
        List<String> opts = new ArrayList<>();
        try {
            long p = r.u64(m + devname);
            dev = p == 0 ? "none" : r.cstring(p, MAX_NAME);
        } catch (ChirpException e) {
            problems.add("device: " + e.getMessage());
        }
        try {
            point = paths.path(m + mountMnt, r.u64(m + mountMnt + mntRoot));
        } catch (ChirpException e) {
            problems.add("mount point: " + e.getMessage());
        }
        try {
            long sb = r.u64(m + mountMnt + mntSb);
            type = r.cstring(r.u64(r.u64(sb + sbType) + typeName), 256);
            if (sbSubtype >= 0) {
                long sub = r.u64(sb + sbSubtype);
                if (sub != 0) type += "." + r.cstring(sub, 256);
            }
            long sf = r.u64(sb + sbFlags);
            int mf = r.u32(m + mountMnt + mntFlags);
            opts.add((mf & MNT_READONLY) != 0 || (sf & SB_RDONLY) != 0 ? "ro" : "rw");
            for (Opt o : SB_OPTS) if ((sf & o.bit()) != 0) opts.add(o.name());
            for (Opt o : MNT_OPTS) if ((mf & o.bit()) != 0) opts.add(o.name());
        } catch (ChirpException e) {
            problems.add("super block: " + e.getMessage());
        }
        return new Mount(dev, point, type, opts, m, problems);
    }
}
