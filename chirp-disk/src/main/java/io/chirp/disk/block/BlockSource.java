package io.chirp.disk.block;

import io.chirp.core.ChirpException;

/**
 * A disk as a flat, read-only run of {@link #size()} bytes. Implementations are thread-safe.
 * Reads outside the disk fail as {@link ChirpException.Kind#CORRUPT}: on-disk structures point there when damaged.
 */
public sealed interface BlockSource extends AutoCloseable permits RawImage, Qcow2Image, NbdExport, MemoryImage, Slice, Cancellable {
    /** Largest single read a caller may ask for in one call: keeps a hostile length from sizing a heap array. */
    int MAX_READ = 64 << 20;

    /** {@return what this source reads, for messages and manifests} */
    String describe();

    /** {@return the virtual size of the disk in bytes} */
    long size();

    /** Reads exactly {@code length} bytes at {@code offset} into {@code dst[dstOffset...]}. */
    void read(long offset, byte[] dst, int dstOffset, int length);

    /** {@return {@code length} bytes at {@code offset}} */
    default byte[] read(long offset, int length) {
        if (length < 0 || length > MAX_READ) {
            throw ChirpException.corrupt(describe() + ": read of " + length + " bytes refused (limit " + MAX_READ + ")");
        }
        byte[] b = new byte[length];
        read(offset, b, 0, length);
        return b;
    }

    /** {@return a window of this source, e.g. a partition} */
    /** {@return this source with every read a cancellation point: it throws INTERRUPTED once {@code cancelled} is true} */
    default BlockSource cancellable(java.util.function.BooleanSupplier cancelled) { return new Cancellable(this, cancelled); }

    default BlockSource slice(long offset, long length, String name) {
        return new Slice(this, offset, length, name);
    }

    @Override
    void close();

    /** Fails unless [offset, offset+length) lies inside a disk of {@code size} bytes; shared by implementations. */
    static void checkRange(String what, long size, long offset, long length) {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw ChirpException.corrupt(what + ": read of " + length + " bytes at 0x" + Long.toHexString(offset)
                    + " lies outside the disk (" + size + " bytes)");
        }
    }
}
