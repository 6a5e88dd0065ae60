package io.chirp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the shared reference data (SigmaHQ rules) next to the repository, and the recorded lab monitor run in it. */
final class BenchData {
    private BenchData() {}

    static Path sigmaLinux() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("shared/data/sigma/rules/linux");
            if (Files.isDirectory(c)) return c;
            Path d = p.resolve("../shared/data/sigma/rules/linux").normalize();
            if (Files.isDirectory(d)) return d;
        }
        throw new IllegalStateException("shared/data/sigma/rules/linux not found beside the repository");
    }

    /** The recorded lab monitor run (OCSF events, one JSON per line) kept with chirp-detect's differential test. */
    static final String LAB_RUN = "chirp-detect/src/test/resources/io/chirp/detect/check/lab-monitor-run.jsonl";

    /** {@return the OCSF events of the recorded lab monitor run, in order} */
    static List<JsonNode> labMonitorRun() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve(LAB_RUN);
            if (!Files.isRegularFile(c)) continue;
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> out = new ArrayList<>();
            try {
                for (String line : Files.readAllLines(c)) if (!line.isBlank()) out.add(json.readTree(line));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        }
        throw new IllegalStateException(LAB_RUN + " not found above " + Path.of("").toAbsolutePath());
    }
}
