package io.chirp.detect.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chirp.detect.Detector;

class SigmaFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void ruleYaml(byte[] data) {
        Detector.fromYaml(new String(data, java.nio.charset.StandardCharsets.UTF_8), "fuzz");
    }
}
