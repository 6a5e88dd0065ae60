package io.chirp.disk;

import io.chirp.core.ChirpException;
import io.chirp.disk.block.BlockSource;
import io.chirp.disk.block.DiskImages;
import io.chirp.disk.block.Qcow2Image;
import io.chirp.disk.live.Fleece;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.VmInventory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The disk a command works on: an image file, or a running VM's disk through a fleece (point in time, read-only).
 * Closing it tears the fleece down.
 */
public final class DiskTarget implements AutoCloseable {
    private final BlockSource source;
    private final Optional<Fleece> fleece;
    private final String qemuImgInput;
    private final String qemuImgFormat;
    private final Map<String, String> provenance;

    private DiskTarget(BlockSource source, Optional<Fleece> fleece, String qemuImgInput, String qemuImgFormat, Map<String, String> provenance) {
        this.source = source;
        this.fleece = fleece;
        this.qemuImgInput = qemuImgInput;
        this.qemuImgFormat = qemuImgFormat;
        this.provenance = provenance;
    }

    /** Opens an image file (raw or qcow2, by content). */
    public static DiskTarget image(Path file) {
        if (!Files.isRegularFile(file) && !Files.isSymbolicLink(file)) throw ChirpException.notFound("no such disk image: " + file);
        BlockSource s = DiskImages.open(file);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("source", "image");
        p.put("image", file.toAbsolutePath().toString());
        p.put("image_format", s instanceof Qcow2Image ? "qcow2" : "raw");
        return new DiskTarget(s, Optional.empty(), file.toString(), s instanceof Qcow2Image ? "qcow2" : "raw", p);
    }

    /** Fleeces disk {@code disk} (node, device or qdev id; the first when empty) of the running VM {@code nameOrPid}. */
    public static DiskTarget vm(String nameOrPid, Optional<String> disk) {
        QemuVm vm = new VmInventory().find(nameOrPid);
        Path qmp = vm.qmpSocket().orElseThrow(() -> ChirpException.unavailable("VM " + vm.name()
                + " has no QMP socket: CHIRP needs one to take a point-in-time view of its disk"));
        Fleece f = Fleece.open(qmp, disk);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("source", "vm");
        p.put("vm", vm.name());
        p.put("pid", Long.toString(vm.pid()));
        p.put("node", f.device().nodeName());
        p.put("qdev", f.device().qdev());
        p.put("backing_image", f.device().file());
        p.put("point_in_time", f.takenAt().toString());
        p.put("method", "QMP fleecing (blockdev-backup sync=none) + read-only NBD export");
        return new DiskTarget(f.source(), Optional.of(f), f.nbdUri(), "raw", p);
    }

    /** {@return the disk's bytes} */
    public BlockSource source() { return source; }

    /** {@return the fleece behind a VM target} */
    public Optional<Fleece> fleece() { return fleece; }

    /** {@return what qemu-img should read for the same bytes: the file, or the fleece's NBD URI} */
    public String qemuImgInput() { return qemuImgInput; }

    /** {@return the qemu-img input format for {@link #qemuImgInput()}} */
    public String qemuImgFormat() { return qemuImgFormat; }

    /** {@return where the bytes come from, for manifests} */
    public Map<String, String> provenance() { return Map.copyOf(provenance); }

    @Override
    public void close() {
        try {
            source.close();
        } finally {
            fleece.ifPresent(Fleece::close);
        }
    }
}
