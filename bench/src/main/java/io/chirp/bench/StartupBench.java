package io.chirp.bench;

import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.VmInventory;
import io.chirp.lab.LabGuest;
import io.chirp.memory.ImageFormat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one-shot command an analyst types: {@code chirp linux pslist --image FILE}, JVM start included, no symbol
 * file. Wall time and peak RSS (from /usr/bin/time), against a bare JVM start in the same run.
 */
final class StartupBench {
    record Row(String what, double seconds, long maxRssKb) {}

    static List<Row> run(Path scratch, String classpath, int repeats) throws Exception {
        Path image = scratch.resolve("startup.elf");
        Files.deleteIfExists(image);
        Files.deleteIfExists(image.resolveSibling("startup.elf.manifest.json"));
        try (LabGuest g = LabFixture.boot("512M"); LiveVm vm = LiveVm.attach(new VmInventory().find(g.name()))) {
            VmAcquisition.acquire(vm, image, ImageFormat.ELF_CORE, VmAcquisition.Mode.LIVE, (d, t) -> {});
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            rows.add(time("bare JVM start (java -version)", List.of(java, "-XX:+UseSerialGC", "-version")));
            rows.add(time("chirp linux pslist --image (512 MiB ELF)", List.of(java, "-XX:+UseSerialGC",
                    "--enable-native-access=ALL-UNNAMED", "-cp", classpath, "io.chirp.cli.Main", "linux", "pslist",
                    "--image", image.toString())));
        }
        Files.deleteIfExists(image);
        Files.deleteIfExists(image.resolveSibling("startup.elf.manifest.json"));
        return rows;
    }

    private static Row time(String what, List<String> cmd) throws Exception {
        List<String> full = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %M"));
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(what + " failed: " + err);
        String[] last = err.strip().lines().reduce((a, b) -> b).orElseThrow().split(" ");
        return new Row(what, Double.parseDouble(last[0]), Long.parseLong(last[1]));
    }
}
