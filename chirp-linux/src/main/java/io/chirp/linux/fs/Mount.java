package io.chirp.linux.fs;

import java.util.List;

/**
 * A mount of a mount namespace: a line of {@code /proc/mounts}.
 *
 * @param device     the device name given to mount (mnt_devname), e.g. "/dev/vda", "proc", "none"
 * @param mountPoint where it is mounted, as seen from the namespace's root
 * @param fsType     the file system type (sb->s_type->name, with ".subtype" for FUSE-like types)
 * @param options    the generic options Linux prints first: rw/ro, sync, dirsync, mand, lazytime, nosuid, nodev,
 *                   noexec, noatime, nodiratime, relatime, nosymfollow (file-system specific options are not read)
 * @param mount      address of the struct mount
 * @param problems   what could not be read
 */
public record Mount(String device, String mountPoint, String fsType, List<String> options, long mount,
                    List<String> problems) {
    public Mount {
        options = List.copyOf(options);
        problems = List.copyOf(problems);
    }

    /** {@return true if mounted read-only} */
    public boolean readOnly() { return !options.isEmpty() && options.getFirst().equals("ro"); }
}
