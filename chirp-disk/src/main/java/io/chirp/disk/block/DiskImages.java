package io.chirp.disk.block;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opens disk image files by their content: qcow2 by its magic, anything else as raw. */
public final class DiskImages {
    private DiskImages() {}

    /** {@return a block source for the image at {@code path}} */
    public static BlockSource open(Path path) {
        if (!Files.exists(path)) throw ChirpException.notFound("no such disk image: " + path);
        return isQcow2(path) ? Qcow2Image.open(path) : RawImage.open(path);
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
