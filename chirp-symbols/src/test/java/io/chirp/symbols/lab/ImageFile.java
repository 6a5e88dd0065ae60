package io.chirp.symbols.lab;

import io.chirp.core.PhysicalMemory;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.Segment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes a synthetic guest RAM image to a file and maps it the way a real guest's RAM is mapped. */
public final class ImageFile {
    private ImageFile() {}

    public static PhysicalMemory map(Path dir, byte[] image) {
        try {
            Path f = Files.createTempFile(dir, "ram", ".img");
            Files.write(f, image);
            return MappedFileMemory.open(f, List.of(new Segment(0, 0, image.length, "ram")), false, "synthetic " + f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
