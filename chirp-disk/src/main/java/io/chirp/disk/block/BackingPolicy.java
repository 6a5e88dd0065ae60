package io.chirp.disk.block;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which backing files a qcow2 image may pull in. A qcow2 header names its backing file itself, so an image that
 * came from a guest (or anyone else) can name any host file — {@code /etc/shadow}, another VM's disk — and a reader
 * that follows it copies that file into the "evidence". Backing files are therefore followed only inside folders
 * the operator names, judged by their real path (symlinks resolved), and only when they are regular files.
 *
 * @param allowedDirs real paths of the folders backing files may live in; empty: follow none
 */
public record BackingPolicy(List<Path> allowedDirs) {
    /** Follow no backing file at all: the default. */
    public static final BackingPolicy NONE = new BackingPolicy(List.of());

    public BackingPolicy {
        allowedDirs = List.copyOf(allowedDirs);
    }

    /** {@return a policy allowing backing files under {@code dirs}, each resolved to its real path now} */
    public static BackingPolicy allow(List<Path> dirs) {
        List<Path> real = new ArrayList<>();
        for (Path d : dirs) {
            try {
                Path r = d.toRealPath();
                if (!Files.isDirectory(r)) throw ChirpException.usage("--backing-dir " + d + " is not a folder");
                real.add(r);
            } catch (IOException e) {
                throw ChirpException.usage("--backing-dir " + d + ": " + e.getMessage());
            }
        }
        return new BackingPolicy(real);
    }

    /**
     * {@return the real path of backing file {@code named} (as written in {@code image}, already made absolute as
     * {@code resolved}), when this policy allows it; otherwise fails naming the file it refused}
     */
    Path admit(Path image, String named, Path resolved) {
        Path real;
        try {
            real = resolved.toRealPath();
        } catch (IOException e) {
            throw ChirpException.notFound(image + ": backing file " + named + " (" + resolved + ") not found");
        }
        if (allowedDirs.isEmpty()) {
            throw refused(image, named, real, "backing files are followed only when you allow their folder with --backing-dir DIR");
        }
        if (allowedDirs.stream().noneMatch(real::startsWith)) {
            throw refused(image, named, real, "it lies outside every --backing-dir " + allowedDirs);
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw refused(image, named, real, "it is not a regular file");
        }
        return real;
    }

    private static ChirpException refused(Path image, String named, Path real, String why) {
        String shown = named.equals(real.toString()) ? named : named + " (real path " + real + ")";
        return ChirpException.unavailable(image + " is a qcow2 image whose header names the backing file " + shown
                + ": refused, " + why + ". A disk taken from a guest is raw: read it with --input-format raw");
    }
}
