package io.chirp.cli;

import io.chirp.evidence.EvidenceManifest;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.Target;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The "source" of an evidence manifest, for commands that write evidence from a {@link Target}. */
public final class EvidenceSources {
    private EvidenceSources() {}

    /** {@return the VM or image a target reads, as an evidence manifest names it} */
    public static EvidenceManifest.Source of(Target t) {
        Map<String, String> id = new LinkedHashMap<>();
        return switch (t) {
            case Target.Live live -> {
                QemuVm vm = live.vm().vm();
                id.put("qemu_pid", Long.toString(vm.pid()));
                vm.uuid().ifPresent(u -> id.put("uuid", u));
                id.put("memory_source", live.vm().memory().describe());
                yield new EvidenceManifest.Source(vm.name(),
                        "qemu/" + live.vm().memoryPath().name().toLowerCase(Locale.ROOT), id);
            }
            case Target.Image img -> {
                id.put("image", img.image().file().toAbsolutePath().toString());
                id.put("image_format", img.image().format().name());
                yield new EvidenceManifest.Source(img.name(), "image", id);
            }
        };
    }
}
