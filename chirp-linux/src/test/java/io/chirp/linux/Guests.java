package io.chirp.linux;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.LabGuest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Test helpers: attach to a lab guest live, or to a memory image QEMU itself dumped of it. */
final class Guests {
    private Guests() {}

    static LiveVm live(LabGuest g) {
        return LiveVm.attach(new VmInventory().find(g.name()));
    }

    /** Has QEMU write an ELF core of the guest (dump-guest-memory, which pauses it for the copy). */
    static Path qemuDump(LabGuest g, Path dir) throws Exception {
        Path out = dir.resolve("qemu-dump.elf");
        try (QmpClient q = QmpClient.connect(g.qmpSocket())) {
            q.execute("dump-guest-memory", Map.of("paging", false, "protocol", "file:" + out),
                    java.time.Duration.ofMinutes(2));
        }
        if (!Files.isRegularFile(out)) throw ChirpException.notFound("QEMU wrote no dump");
        return out;
    }
}
