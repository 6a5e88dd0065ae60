package io.chirp.memory.acquire;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.memory.ImageFormat;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * What to acquire and how. Build with {@link #of(ImageFormat)} and the {@code with...} methods.
 *
 * @param format       {@link ImageFormat#ELF_CORE} or {@link ImageFormat#LIME}
 * @param cpus         vCPU states to record (ELF notes); empty for none
 * @param vmName       the VM's name, for the manifest
 * @param vmIdentity   further identity strings for the manifest (uuid, QEMU pid, host...)
 * @param backend      how the memory is reached, for the manifest ("qemu/shared_ram", "image", ...)
 * @param method       the manifest's method; null for "consistent" with a {@code beforeCopy} hook, else "live"
 * @param beforeCopy   run just before the copy, e.g. QMP {@code stop} for a consistent image; null for a live copy
 * @param afterCopy    run after the copy, even when it fails (resume the VM!); null for none
 * @param beforeCommit given the manifest's description once the copy is done and {@code afterCopy} has run,
 *                     returns it with what only the caller knows (notes, a vanished source); null for none
 * @param progress     told the bytes written so far and the total
 * @param chunkSize    bytes copied per step (also the granularity of progress and cancellation)
 */
public record AcquisitionRequest(ImageFormat format, List<CpuState> cpus, String vmName, Map<String, String> vmIdentity,
                                 String backend, String method, Runnable beforeCopy, Runnable afterCopy,
                                 UnaryOperator<EvidenceWriter.Description> beforeCommit, Progress progress,
                                 int chunkSize) {

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
        if (backend == null) backend = "";
        if (progress == null) progress = (d, t) -> {};
        if (beforeCommit == null) beforeCommit = UnaryOperator.identity();
    }

    public static AcquisitionRequest of(ImageFormat format) {
        return new AcquisitionRequest(format, List.of(), "", Map.of(), "", null, null, null, null, null, DEFAULT_CHUNK);
    }

    public AcquisitionRequest withCpus(List<CpuState> c) {
        return new AcquisitionRequest(format, c, vmName, vmIdentity, backend, method, beforeCopy, afterCopy,
                beforeCommit, progress, chunkSize);
    }

    public AcquisitionRequest withVm(String name, Map<String, String> identity) {
        return new AcquisitionRequest(format, cpus, name, identity, backend, method, beforeCopy, afterCopy,
                beforeCommit, progress, chunkSize);
    }

    /** {@return this request naming how the memory is reached and how the image is taken} */
    public AcquisitionRequest withSource(String backendName, String methodName) {
        return new AcquisitionRequest(format, cpus, vmName, vmIdentity, backendName, methodName, beforeCopy, afterCopy,
                beforeCommit, progress, chunkSize);
    }

    /** {@return this request with hooks around the copy; a non-null {@code before} makes the image "consistent"} */
    public AcquisitionRequest withHooks(Runnable before, Runnable after) {
        return new AcquisitionRequest(format, cpus, vmName, vmIdentity, backend, method, before, after,
                beforeCommit, progress, chunkSize);
    }

    /** {@return this request with a last word on the manifest before the image is committed} */
    public AcquisitionRequest withBeforeCommit(UnaryOperator<EvidenceWriter.Description> f) {
        return new AcquisitionRequest(format, cpus, vmName, vmIdentity, backend, method, beforeCopy, afterCopy,
                f, progress, chunkSize);
    }

    public AcquisitionRequest withProgress(Progress p) {
        return new AcquisitionRequest(format, cpus, vmName, vmIdentity, backend, method, beforeCopy, afterCopy,
                beforeCommit, p, chunkSize);
    }

    public AcquisitionRequest withChunkSize(int size) {
        return new AcquisitionRequest(format, cpus, vmName, vmIdentity, backend, method, beforeCopy, afterCopy,
                beforeCommit, progress, size);
    }

    /** {@return true when the caller pauses the VM around the copy} */
    public boolean consistent() { return beforeCopy != null; }

    /** {@return the manifest's method: as given, else "consistent" or "live"} */
    public String methodName() { return method != null ? method : consistent() ? "consistent" : "live"; }
}
