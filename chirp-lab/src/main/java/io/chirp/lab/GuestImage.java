package io.chirp.lab;

import java.nio.file.Path;
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
 * @param diskFiles      known files on the disk: path (from the file-system root) to SHA-256
 */
public record GuestImage(Path dir, Path kernel, Path initramfs, Path disk, String kernelRelease,
                         String kernelPackage, Map<String, String> diskFiles) {
}
