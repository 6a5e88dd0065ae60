package io.chirp.disk.block;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A raw disk image file (or block device), read with positional reads: no shared file position, so thread-safe. */
public final class RawImage implements BlockSource {
    private final Path path;
    private final FileChannel channel;
    private final long size;

    private RawImage(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    /** Opens {@code path} read-only. */
    public static RawImage open(Path path) {
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
            return new RawImage(path, ch, ch.size());
        } catch (NoSuchFileException e) {
            throw ChirpException.notFound("no such disk image: " + path);
        } catch (IOException e) {
            throw ChirpException.io("cannot open disk image " + path + ": " + e.getMessage(), e);
        }
    }

    /** {@return a qemu-img {@code json:} description of {@code path} read as raw (no probing of its content)} */
    public static java.util.Map<String, Object> qemuSpec(Path path) {
        return java.util.Map.of("driver", "raw", "file", java.util.Map.of("driver", "file", "filename", path.toAbsolutePath().toString()));
    }

    /** {@return the image file} */
    public Path path() { return path; }

    @Override public String describe() { return "raw image " + path; }

    @Override public long size() { return size; }

    @Override
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        BlockSource.checkRange(describe(), size, offset, length);
        ByteBuffer buf = ByteBuffer.wrap(dst, dstOffset, length);
        try {
            while (buf.hasRemaining()) {
                int n = channel.read(buf, offset + (buf.position() - dstOffset));
                if (n < 0) throw ChirpException.corrupt(describe() + ": file shrank while reading at 0x" + Long.toHexString(offset));
            }
        } catch (IOException e) {
            throw ChirpException.io(describe() + ": read failed at 0x" + Long.toHexString(offset) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
    }
}
