package io.chirp.lab;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a cpio archive in the "newc" format the kernel unpacks as an initramfs. Written here rather than
 * by the cpio tool so that entries (device nodes, owners) need no privileges on the host.
 */
final class Cpio {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int inode = 1;

    Cpio dir(String path) { return entry(path, 0040755, new byte[0], 0, 0); }

    Cpio file(String path, int mode, byte[] data) { return entry(path, 0100000 | (mode & 07777), data, 0, 0); }

    Cpio symlink(String path, String target) {
        return entry(path, 0120777, target.getBytes(StandardCharsets.UTF_8), 0, 0);
    }

    Cpio charDevice(String path, int major, int minor) { return entry(path, 0020600, new byte[0], major, minor); }

    private Cpio entry(String path, int mode, byte[] data, int rmajor, int rminor) {
        String name = path.startsWith("/") ? path.substring(1) : path;
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        String header = "070701" + hex(inode++) + hex(mode) + hex(0) + hex(0) + hex(1) + hex(0)
                + hex(data.length) + hex(0) + hex(0) + hex(rmajor) + hex(rminor) + hex(nameBytes.length) + hex(0);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(nameBytes);
        pad();
        out.writeBytes(data);
        pad();
        return this;
    }

    private void pad() {
        while (out.size() % 4 != 0) out.write(0);
    }

    private static String hex(int v) { return String.format("%08x", v); }

    /** {@return the archive with its trailer} */
    byte[] finish() {
        entry("TRAILER!!!", 0, new byte[0], 0, 0);
        while (out.size() % 512 != 0) out.write(0);
        return out.toByteArray();
    }
}
