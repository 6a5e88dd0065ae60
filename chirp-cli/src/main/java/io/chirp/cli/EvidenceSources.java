package io.chirp.cli;

import io.chirp.evidence.EvidenceManifest;
import io.chirp.hypervisor.Target;

import java.util.LinkedHashMap;
import java.util.Map;

/** The "source" of an evidence manifest, for commands that write evidence from a {@link Target}. */
public final class EvidenceSources {
    private EvidenceSources() {}

    /** {@return the VM or image a target reads, as an evidence manifest names it} */
    public static EvidenceManifest.Source of(Target t) {
        Map<String, String> id = new LinkedHashMap<>();
        return switch (t) {
            case Target.Live live -> {
                id.putAll(live.vm().evidenceIdentity());
                id.remove("backend");
                yield new EvidenceManifest.Source(live.vm().identity().name(), live.vm().memoryPath(), id);
            }
            case Target.Image img -> {
                id.put("image", img.image().file().toAbsolutePath().toString());
                id.put("image_format", img.image().format().name());
                yield new EvidenceManifest.Source(img.name(), "image", id);
            }
        };
    }
}
