package io.chirp.memory.acquire;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.memory.ImageFormat;

import java.util.List;
import java.util.Map;

/**
 * What to acquire and how. Build with {@link #of(ImageFormat)} and the {@code with...} methods.
 *
 * @param format      {@link ImageFormat#ELF_CORE} or {@link ImageFormat#LIME}
 * @param cpus        vCPU states to record (ELF notes); empty for none
 * @param vmName      the VM's name, for the manifest
 * @param vmIdentity  further identity strings for the manifest (uuid, QEMU pid, host...)
 * @param beforeCopy  run just before the copy, e.g. QMP {@code stop} for a consistent image; null for a live copy
 * @param afterCopy   run after the copy, even when it fails (resume the VM!); null for none
 * @param progress    told the bytes written so far and the total
 * @param chunkSize   bytes copied per step (also the granularity of progress and cancellation)
 */
public record AcquisitionRequest(ImageFormat format, List<CpuState> cpus, String vmName, Map<String, String> vmIdentity,
                                 Runnable beforeCopy, Runnable afterCopy, Progress progress, int chunkSize) {

    /** Receives progress. Called from the copying thread; keep it quick. */
    @FunctionalInterface
    public interface Progress {
        void update(long bytesDone, long bytesTotal);
    }

    public static final int DEFAULT_CHUNK = 16 << 20;

    public AcquisitionRequest {
        if (format != ImageFormat.ELF_CORE && format != ImageFormat.LIME) {
            throw ChirpException.usage("cannot write " + format + " images; use ELF_CORE or LIME");
        }
        if (format == ImageFormat.LIME && !cpus.isEmpty()) {
            throw ChirpException.usage("LiME images cannot hold vCPU state; use ELF_CORE");
        }
        if (chunkSize < 4096 || chunkSize > (256 << 20)) throw ChirpException.usage("chunk size " + chunkSize);
        cpus = List.copyOf(cpus);
        vmIdentity = Map.copyOf(vmIdentity);
        if (vmName == null) vmName = "";
        if (progress == null) progress = (d, t) -> {};
    }

    public static AcquisitionRequest of(ImageFormat format) {
        return new AcquisitionRequest(format, List.of(), "", Map.of(), null, null, null, DEFAULT_CHUNK);
    }

    public AcquisitionRequest withCpus(List<CpuState> c) {
        return new AcquisitionRequest(format, c, vmName, vmIdentity, beforeCopy, afterCopy, progress, chunkSize);
    }

    public AcquisitionRequest withVm(String name, Map<String, String> identity) {
        return new AcquisitionRequest(format, cpus, name, identity, beforeCopy, afterCopy, progress, chunkSize);
    }

    /** {@return this request with hooks around the copy; a non-null {@code before} makes the image "consistent"} */
    public AcquisitionRequest withHooks(Runnable before, Runnable after) {
        return new AcquisitionRequest(format, cpus, vmName, vmIdentity, before, after, progress, chunkSize);
    }

    public AcquisitionRequest withProgress(Progress p) {
        return new AcquisitionRequest(format, cpus, vmName, vmIdentity, beforeCopy, afterCopy, p, chunkSize);
    }

    public AcquisitionRequest withChunkSize(int size) {
        return new AcquisitionRequest(format, cpus, vmName, vmIdentity, beforeCopy, afterCopy, progress, size);
    }

    /** {@return true when the caller pauses the VM around the copy} */
    public boolean consistent() { return beforeCopy != null; }
}
