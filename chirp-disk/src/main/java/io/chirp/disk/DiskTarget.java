package io.chirp.disk;

import io.chirp.core.ChirpException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.disk.block.BackingPolicy;
import io.chirp.disk.block.BlockSource;
import io.chirp.disk.block.DiskImages;
import io.chirp.disk.block.ImageFormat;
import io.chirp.disk.block.Qcow2Image;
import io.chirp.disk.block.RawImage;
import io.chirp.disk.live.Fleece;
import io.chirp.hypervisor.backend.Capability;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmHandle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The disk a command works on: an image file, or a running VM's disk through a fleece (point in time, read-only).
 * Closing it tears the fleece down.
 */
public final class DiskTarget implements AutoCloseable {
    private final BlockSource source;
    private final Optional<Fleece> fleece;
    private final List<String> qemuImgInput;
    private final Map<String, String> provenance;
    private final VmHandle vm;

    private DiskTarget(BlockSource source, Optional<Fleece> fleece, List<String> qemuImgInput, Map<String, String> provenance) {
        this(source, fleece, qemuImgInput, provenance, null);
    }

    private DiskTarget(BlockSource source, Optional<Fleece> fleece, List<String> qemuImgInput, Map<String, String> provenance,
                       VmHandle vm) {
        this.vm = vm;
        this.source = source;
        this.fleece = fleece;
        this.qemuImgInput = List.copyOf(qemuImgInput);
        this.provenance = provenance;
    }

    /** Opens an image file (raw or qcow2, by content), following no backing file. */
    public static DiskTarget image(Path file) {
        return image(file, ImageFormat.AUTO, BackingPolicy.NONE);
    }

    /**
     * Opens an image file read as {@code format}; a qcow2 image's backing chain is followed only where {@code policy}
     * allows, and named in the provenance.
     */
    public static DiskTarget image(Path file, ImageFormat format, BackingPolicy policy) {
        if (!Files.isRegularFile(file) && !Files.isSymbolicLink(file)) throw ChirpException.notFound("no such disk image: " + file);
        BlockSource s = DiskImages.open(file, format, policy);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("source", "image");
        p.put("image", file.toAbsolutePath().toString());
        p.put("image_format", s instanceof Qcow2Image ? "qcow2" : "raw");
        String spec;
        if (s instanceof Qcow2Image q) {
            p.put("backing_chain", String.join(" -> ", q.chain()));
            spec = json(q.qemuSpec());
        } else {
            spec = json(RawImage.qemuSpec(file));
        }
        // qemu-img gets a json: description of exactly what CHIRP opened, so it neither probes nor follows on its own
        return new DiskTarget(s, Optional.empty(), List.of("json:" + spec), p);
    }

    private static String json(Map<String, Object> m) {
        try {
            return new ObjectMapper().writeValueAsString(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "cannot describe the image for qemu-img", e);
        }
    }

    /** Fleeces disk {@code disk} (node, device or qdev id; the first when empty) of the running VM {@code spec}. */
    public static DiskTarget vm(String spec, Optional<String> disk) { return vm(spec, Optional.empty(), disk); }

    /**
     * Fleeces disk {@code disk} of the running VM {@code spec} ({@code NAME}, {@code BACKEND:NAME}; with
     * {@code --connect URI}), reached through its back-end ({@link VmBackends}).
     */
    public static DiskTarget vm(String spec, Optional<String> connect, Optional<String> disk) {
        VmHandle vm = VmBackends.open(spec, connect);
        try {
            return vm(vm, disk);
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /**
     * Fleeces disk {@code disk} of {@code vm} ({@link Capability#DISK_VIEWS}); the target takes over the handle and
     * closes it after the fleece.
     */
    public static DiskTarget vm(VmHandle vm, Optional<String> disk) {
        vm.require(Capability.DISK_VIEWS);
        Fleece f = Fleece.open(vm.openMonitor(), disk);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("source", "vm");
        p.put("vm", vm.identity().name());
        p.put("backend", vm.identity().backend());
        vm.identity().uuid().ifPresent(u -> p.put("uuid", u));
        String pid = vm.evidenceIdentity().get("qemu_pid");
        if (pid != null) p.put("pid", pid);
        p.put("node", f.device().nodeName());
        p.put("qdev", f.device().qdev());
        p.put("backing_image", f.device().file());
        p.put("point_in_time", f.takenAt().toString());
        p.put("method", "QMP fleecing (blockdev-backup sync=none) + read-only NBD export");
        p.put("image_format", "raw"); // the guest's own view of its disk: its content never selects a format
        return new DiskTarget(f.source(), Optional.of(f), List.of("-f", "raw", f.nbdUri()), p, vm);
    }

    /**
     * {@return the node names of {@code vm}'s disks with a medium, in QEMU's {@code query-block} order (the order they
     * were given on the command line or in the domain XML)} ({@link Capability#DISK_VIEWS}); what {@link #vm} takes
     * as its disk.
     */
    public static List<String> disks(VmHandle vm) {
        vm.require(Capability.DISK_VIEWS);
        try (var mon = vm.openMonitor()) {
            return io.chirp.disk.live.BlockDevice.fromQueryBlock(mon.execute("query-block", null)).stream()
                    .filter(d -> d.virtualSize() > 0).map(io.chirp.disk.live.BlockDevice::nodeName).toList();
        }
    }

    /** {@return the disk's bytes} */
    public BlockSource source() { return source; }

    /** {@return things the operator should know about how the target was opened (e.g. stale fleeces cleaned up)} */
    public List<String> notices() { return fleece.map(Fleece::cleanedUp).orElse(List.of()); }

    /** {@return the fleece behind a VM target} */
    public Optional<Fleece> fleece() { return fleece; }

    /**
     * {@return the qemu-img arguments naming the same bytes: the fleece's NBD URI read as raw, or a {@code json:}
     * description of the image chain CHIRP opened}
     */
    public List<String> qemuImgInput() { return qemuImgInput; }

    /**
     * {@return the provenance as an evidence manifest's source: the VM (back-end {@code qemu/nbd-fleece}) or the
     * image path (back-end {@code image}), every provenance fact as identity}
     */
    public io.chirp.evidence.EvidenceManifest.Source evidenceSource() { return evidenceSource(provenance); }

    /** {@return {@link #evidenceSource()} of a provenance map (as {@link #provenance()} returns)} */
    public static io.chirp.evidence.EvidenceManifest.Source evidenceSource(Map<String, String> provenance) {
        boolean vm = "vm".equals(provenance.get("source"));
        return new io.chirp.evidence.EvidenceManifest.Source(provenance.getOrDefault(vm ? "vm" : "image", ""),
                vm ? provenance.getOrDefault("backend", "qemu") + "/nbd-fleece" : "image", provenance);
    }

    /** {@return how the bytes were taken, for manifests: {@code consistent} (a fleece's point in time) or {@code copy}} */
    public String evidenceMethod() { return fleece.isPresent() ? "consistent" : "copy"; }

    /** {@return where the bytes come from, for manifests} */
    public Map<String, String> provenance() { return Map.copyOf(provenance); }

    @Override
    public void close() {
        try {
            source.close();
        } finally {
            try {
                fleece.ifPresent(Fleece::close);
            } finally {
                if (vm != null) vm.close();
            }
        }
    }
}
