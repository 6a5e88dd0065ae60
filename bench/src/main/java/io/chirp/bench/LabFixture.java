package io.chirp.bench;

import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;

/** Boots the lab guest a benchmark measures against; it dies with the benchmark's JVM. */
final class LabFixture {
    private LabFixture() {}

    static LabGuest boot(String memory) {
        return Lab.fromEnvironment().boot(Lab.Options.defaults().withScenario(Scenario.standard())
                .withMemory(Lab.parseSize(memory)));
    }
}
