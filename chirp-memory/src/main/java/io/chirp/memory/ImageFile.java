package io.chirp.memory;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Bounded, positional reads of an image file's headers. Every read names what it wanted, so a truncated or
 * hostile file yields "truncated: ELF program headers need 560 bytes at 0x40, file is 100 bytes", not an
 * {@link IndexOutOfBoundsException} or an allocation sized by a field the file controls.
 */
final class ImageFile implements AutoCloseable {
    /** Largest header structure read into the heap at once (a PT_NOTE, a program header table). */
    static final int MAX_HEADER_BYTES = 16 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long size;

    private ImageFile(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    static ImageFile open(Path path) {
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
            return new ImageFile(path, ch, ch.size());
        } catch (NoSuchFileException e) {
            throw ChirpException.notFound("no such image: " + path);
        } catch (IOException e) {
            throw ChirpException.io("cannot open image " + path + ": " + e.getMessage(), e);
        }
    }

    Path path() { return path; }

    long size() { return size; }

    /** {@return true if [offset, offset+length) lies inside the file, with no overflow} */
    boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
    }

    /** Reads exactly {@code length} bytes at {@code offset}, little-endian, or fails as CORRUPT naming {@code what}. */
    ByteBuffer read(long offset, long length, String what) {
        if (length > MAX_HEADER_BYTES) {
            throw ChirpException.corrupt(path + ": " + what + " claims " + length + " bytes, more than the "
                    + MAX_HEADER_BYTES + " allowed for headers");
        }
        if (!contains(offset, length)) {
            throw ChirpException.corrupt(path + ": truncated: " + what + " needs " + length + " bytes at 0x"
                    + Long.toHexString(offset) + ", file is " + size + " bytes");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (buf.hasRemaining()) {
                int n = channel.read(buf, offset + buf.position());
                if (n < 0) throw ChirpException.corrupt(path + ": file shrank while reading " + what);
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + what + " from " + path + ": " + e.getMessage(), e);
        }
        return buf.flip();
    }

    /**
     * Reads exactly {@code length} bytes at {@code offset} into {@code dst} (a page of a compressed image).
     *
     * @return false if the range is not inside the file
     * @throws ChirpException IO on a read error
     */
    boolean readFully(long offset, byte[] dst, int dstOffset, int length) {
        if (!contains(offset, length)) return false;
        ByteBuffer buf = ByteBuffer.wrap(dst, dstOffset, length);
        try {
            while (buf.hasRemaining()) {
                int n = channel.read(buf, offset + (buf.position() - dstOffset));
                if (n < 0) return false; // shrank under us: the bytes are not there
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + path + " at 0x" + Long.toHexString(offset) + ": " + e.getMessage(), e);
        }
        return true;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only channel: nothing to flush, nothing to lose
        }
    }
}
