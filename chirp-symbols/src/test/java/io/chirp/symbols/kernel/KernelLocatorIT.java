package io.chirp.symbols.kernel;

import io.chirp.core.PhysicalMemory;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.symbols.lab.LiveMemory;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class KernelLocatorIT {
    @Test
    void findsTheKernelFromPhysicalMemoryAlone(LabGuest g) {
        KernelChecks.check(g);
    }
}
