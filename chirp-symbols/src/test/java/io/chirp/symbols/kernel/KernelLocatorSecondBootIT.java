package io.chirp.symbols.kernel;

import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;

/** A guest of its own: a new boot, so a new KASLR placement, must be followed too. */
@WithLabGuest(shared = false)
class KernelLocatorSecondBootIT {
    @Test
    void followsAnotherKaslrPlacement(LabGuest g) {
        KernelChecks.check(g);
    }
}
