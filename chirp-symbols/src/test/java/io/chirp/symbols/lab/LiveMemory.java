package io.chirp.symbols.lab;

import io.chirp.core.PhysicalMemory;
import io.chirp.lab.LabGuest;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.Segment;

import java.util.List;

/** Opens a lab guest's RAM file as physical memory (512 MiB guests: file offset == guest-physical address). */
public final class LiveMemory {
    private LiveMemory() {}

    public static PhysicalMemory of(LabGuest g) {
        return MappedFileMemory.open(g.ramFile(), List.of(new Segment(0, 0, g.memoryBytes(), "ram")), true,
                "lab guest " + g.name());
    }
}
