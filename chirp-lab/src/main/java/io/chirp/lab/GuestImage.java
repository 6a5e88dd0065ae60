package io.chirp.lab;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A built lab guest: a Debian kernel, a base initramfs and a base ext4 disk, cached by the hash of their inputs.
 *
 * @param dir            the cache folder
 * @param kernel         the kernel image (bzImage) as Debian ships it
 * @param initramfs      the base initramfs (gzip cpio, padded so a scenario archive can follow)
 * @param disk           the base ext4 disk image (raw); guests write to a qcow2 overlay, never to it
 * @param kernelRelease  {@code uname -r} of the guest kernel
 * @param kernelPackage  the Debian package and version the kernel came from
 * @param kernelRequest  the package the image was asked for (a meta-package such as {@code linux-image-cloud-amd64})
 * @param builtinModules those of the modules the lab needs (virtio, ext4, ...) that this kernel has built in, so
 *                       the guest neither ships nor loads them and {@code /proc/modules} does not list them
 * @param diskFiles      known files on the disk: path (from the file-system root) to SHA-256
 */
public record GuestImage(Path dir, Path kernel, Path initramfs, Path disk, String kernelRelease,
                         String kernelPackage, String kernelRequest, List<String> builtinModules,
                         Map<String, String> diskFiles) {
}
