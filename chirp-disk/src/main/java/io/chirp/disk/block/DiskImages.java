package io.chirp.disk.block;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opens disk image files: as the operator says, or by content (qcow2 by its magic, anything else raw). Content
 * detection is only a guess about the format: it never decides which other files are read, {@link BackingPolicy}
 * does.
 */
public final class DiskImages {
    private DiskImages() {}

    /** {@return a block source for the image at {@code path}, following no backing file} */
    public static BlockSource open(Path path) {
        return open(path, ImageFormat.AUTO, BackingPolicy.NONE);
    }

    /** {@return a block source for the image at {@code path} read as {@code format}, backing files per {@code policy}} */
    public static BlockSource open(Path path, ImageFormat format, BackingPolicy policy) {
        if (!Files.exists(path)) throw ChirpException.notFound("no such disk image: " + path);
        boolean qcow2 = switch (format) {
            case RAW -> false;
            case QCOW2 -> true;
            case AUTO -> isQcow2(path);
        };
        return qcow2 ? Qcow2Image.open(path, policy) : RawImage.open(path);
    }

    static boolean isQcow2(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] m = in.readNBytes(4);
            return m.length == 4 && (m[0] & 0xff) == 'Q' && (m[1] & 0xff) == 'F' && (m[2] & 0xff) == 'I' && (m[3] & 0xff) == 0xfb;
        } catch (NoSuchFileException e) {
            throw ChirpException.notFound("no such disk image: " + path);
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
