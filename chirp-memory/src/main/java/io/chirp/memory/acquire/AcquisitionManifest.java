package io.chirp.memory.acquire;

import io.chirp.core.MemoryRange;
import io.chirp.evidence.EvidenceManifest;

import java.util.List;
import java.util.Map;

/**
 * What a memory acquisition wrote: the evidence manifest ({@code IMAGE.manifest.json}, see
 * {@link io.chirp.evidence}) and the memory-specific facts it holds in its details.
 *
 * @param evidence   the manifest written beside the image
 * @param copyNanos  time spent copying
 * @param pauseNanos from the start of beforeCopy to the end of afterCopy (an upper bound of the pause); 0 if live
 * @param layout     the guest-physical ranges in the image
 * @param vcpus      number of vCPU states recorded
 */
public record AcquisitionManifest(EvidenceManifest evidence, long copyNanos, long pauseNanos, List<MemoryRange> layout,
                                  int vcpus) {
    public static final String KIND = "memory-image";

    public AcquisitionManifest {
        layout = List.copyOf(layout);
    }

    /** {@return the image file name} */
    public String image() { return evidence.artifact(); }

    /** {@return "ELF_CORE" or "LIME"} */
    public String format() { return evidence.format(); }

    /** {@return "live", "consistent" or "migration"} */
    public String mode() { return evidence.method(); }

    /** {@return the image file size in bytes} */
    public long size() { return evidence.size(); }

    /** {@return hex SHA-256 of the image file, computed while writing} */
    public String sha256() { return evidence.sha256(); }

    /** {@return false when the image does not hold the whole of one guest (see the notes)} */
    public boolean complete() { return evidence.complete(); }

    /** {@return what an examiner must know about this image} */
    public List<String> notes() { return evidence.notes(); }

    /** {@return the VM's name as given} */
    public String vmName() { return evidence.source().name(); }

    /** {@return identity facts of the VM} */
    public Map<String, String> vmIdentity() { return evidence.source().identity(); }
}
