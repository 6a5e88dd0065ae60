package io.chirp.libvirt;

import java.nio.file.Path;

/**
 * A QEMU memory-backend object of a libvirt domain, as QEMU reports it ({@code qom-list /objects}, {@code qom-get}).
 *
 * @param id      the object id ({@code pc.ram} for libvirt's main RAM), which {@code info mtree -f} names as owner
 * @param type    e.g. {@code memory-backend-file}, {@code memory-backend-ram}, {@code memory-backend-memfd}
 * @param memPath the backing file for a file backend, else null; resolved in QEMU's mount namespace
 * @param size    its size in bytes
 * @param shared  true if QEMU maps it shared: only then does the file show the guest's writes
 */
public record RamBackend(String id, String type, Path memPath, long size, boolean shared) {

    /** {@return true if CHIRP can map this backend's file and see the live guest in it} */
    public boolean mappable() { return memPath != null && shared; }
}
