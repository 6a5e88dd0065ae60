package io.chirp.disk.block;

import io.chirp.core.ChirpException;

import java.util.function.BooleanSupplier;

/**
 * Another source whose every read first asks whether the work reading it was cancelled, and stops it with an
 * {@link ChirpException.Kind#INTERRUPTED} error if so. This is how long disk work that reports no progress of its
 * own (a file-system walk, an extraction) stops promptly on cancel: each of its reads is a cancellation point. A
 * thread interrupt would not do: it closes the channel it interrupts (the NBD socket, a shared QMP connection).
 * Closing it does not close its parent.
 */
public record Cancellable(BlockSource parent, BooleanSupplier cancelled) implements BlockSource {

    @Override public String describe() { return parent.describe(); }

    @Override public long size() { return parent.size(); }

    @Override
    public void read(long off, byte[] dst, int dstOffset, int len) {
        if (cancelled.getAsBoolean()) throw new ChirpException(ChirpException.Kind.INTERRUPTED, "cancelled while reading " + describe());
        parent.read(off, dst, dstOffset, len);
    }

    @Override public void close() {}
}
