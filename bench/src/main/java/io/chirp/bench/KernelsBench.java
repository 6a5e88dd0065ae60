package io.chirp.bench;

import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.VmInventory;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Processes;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attach and one-shot pslist on every x86-64 kernel the lab boots, against Debian 6.1 generic in the same run.
 * Each kernel is booted once with the standard scenario and acquired to a 512 MiB ELF core; the measurements then
 * take turns over the images (round-robin), so the machine's load falls on every kernel alike.
 *
 * <p>Also {@code chirp symbols export-isf} on the 6.1 generic image, and, when {@code CHIRP_DWARF2JSON} (the binary)
 * and {@code CHIRP_VMLINUX} (the same kernel's vmlinux with DWARF, from its -dbg package) are set, dwarf2json on that
 * vmlinux, alternating with it.
 */
final class KernelsBench {
    /** The default kernel first: every ratio is against it. */
    static final List<String> KERNELS = List.of("linux-image-amd64", "linux-image-cloud-amd64", "linux-image-rt-amd64",
            "linux-image-6.12-amd64", "linux-image-6.12-cloud-amd64", "linux-image-6.12-rt-amd64");

    /**
     * @param release        the kernel's uname -r
     * @param attachMs       median in-JVM attach (discovery, kallsyms, BTF, page tables) on the image, warm JVM
     * @param pslistMs       median in-JVM task walk with command lines, after attach
     * @param oneShotS       best wall seconds of {@code chirp linux pslist --image}, JVM start included
     * @param oneShotRssKb   peak RSS of that best run
     * @param processes      processes listed
     */
    record Row(String kernel, String release, double attachMs, double pslistMs, double oneShotS, long oneShotRssKb, int processes) {}

    record Timed(String what, double seconds, double cpuSeconds, long maxRssKb) {}

    record Result(List<Row> rows, List<Timed> bareJvm, List<Timed> isf, String isfKernel) {}

    static Result run(Path scratch, String classpath, int repeats) throws Exception {
        Files.createDirectories(scratch);
        Map<String, Path> images = new LinkedHashMap<>();
        Map<String, String> releases = new LinkedHashMap<>();
        for (String k : KERNELS) {
            Path image = scratch.resolve(k + ".elf");
            Files.deleteIfExists(image);
            Files.deleteIfExists(image.resolveSibling(k + ".elf.manifest.json"));
            try (LabGuest g = Lab.fromEnvironment().boot(Lab.Options.defaults().withScenario(Scenario.standard())
                    .withMemory(512L << 20).withKernel(k)); LiveVm vm = LiveVm.attach(new VmInventory().find(g.name()))) {
                VmAcquisition.acquire(vm, image, ImageFormat.ELF_CORE, VmAcquisition.Mode.LIVE, (d, t) -> {});
                releases.put(k, g.groundTruth().kernelRelease());
            }
            images.put(k, image);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Map<String, List<Double>> attach = new LinkedHashMap<>(), walk = new LinkedHashMap<>();
        Map<String, List<Timed>> oneShot = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        List<Timed> bare = new ArrayList<>(), isf = new ArrayList<>();
        for (String k : KERNELS) inJvm(images.get(k)); // warm-up: class loading and JIT on every kernel's shapes
        for (int i = 0; i < repeats; i++) {
            bare.add(time("bare JVM start", List.of(java, "-XX:+UseSerialGC", "-version")));
            for (String k : KERNELS) {
                double[] t = inJvm(images.get(k));
                attach.computeIfAbsent(k, x -> new ArrayList<>()).add(t[0]);
                walk.computeIfAbsent(k, x -> new ArrayList<>()).add(t[1]);
                counts.put(k, (int) t[2]);
                oneShot.computeIfAbsent(k, x -> new ArrayList<>()).add(time(k, List.of(java, "-XX:+UseSerialGC",
                        "--enable-native-access=ALL-UNNAMED", "-cp", classpath, "io.chirp.cli.Main", "linux", "pslist",
                        "--image", images.get(k).toString())));
            }
        }
        Path isfOut = scratch.resolve("isf.json");
        for (int i = 0; i < repeats; i++) {
            Files.deleteIfExists(isfOut);
            Files.deleteIfExists(isfOut.resolveSibling("isf.json.manifest.json"));
            isf.add(time("chirp symbols export-isf --image (512 MiB ELF)", List.of(java, "--enable-native-access=ALL-UNNAMED",
                    "-cp", classpath, "io.chirp.cli.Main", "symbols", "export-isf", "--image",
                    images.get(KERNELS.getFirst()).toString(), "-o", isfOut.toString())));
            String d2j = System.getenv("CHIRP_DWARF2JSON"), vmlinux = System.getenv("CHIRP_VMLINUX");
            if (d2j != null && vmlinux != null) {
                isf.add(time("dwarf2json linux --elf vmlinux (DWARF from the -dbg package)",
                        List.of("sh", "-c", "exec \"$0\" linux --elf \"$1\" > \"$2\"", d2j, vmlinux,
                                scratch.resolve("dwarf2json.json").toString())));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (String k : KERNELS) {
            Timed best = oneShot.get(k).stream().min((a, b) -> Double.compare(a.seconds(), b.seconds())).orElseThrow();
            rows.add(new Row(k, releases.get(k), median(attach.get(k)), median(walk.get(k)), best.seconds(), best.maxRssKb(),
                    counts.get(k)));
        }
        for (Path p : images.values()) {
            Files.deleteIfExists(p);
            Files.deleteIfExists(p.resolveSibling(p.getFileName() + ".manifest.json"));
        }
        return new Result(rows, bare, isf, releases.get(KERNELS.getFirst()));
    }

    /** {@return attach ms, walk ms, processes} of one fresh attach to the image, in this JVM */
    private static double[] inJvm(Path image) {
        try (MemoryImage img = MemoryImages.open(image)) {
            long t0 = System.nanoTime();
            LinuxKernel k = LinuxKernel.attach(img.memory(), img.cpus());
            long t1 = System.nanoTime();
            int n = new Processes(k).list(false, true).processes().size();
            long t2 = System.nanoTime();
            return new double[]{(t1 - t0) / 1e6, (t2 - t1) / 1e6, n};
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    /** Wall seconds, user+sys CPU seconds and peak RSS from /usr/bin/time. */
    static Timed time(String what, List<String> cmd) throws Exception {
        List<String> full = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %U %S %M"));
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes());
        int rc = p.waitFor();
        // a one-shot command may exit 4 (partial) on a guest caught mid-update; the timing still holds
        if (rc != 0 && rc != 4) throw new IllegalStateException(what + " failed (" + rc + "): " + err);
        String[] last = err.strip().lines().reduce((a, b) -> b).orElseThrow().split(" ");
        return new Timed(what, Double.parseDouble(last[0]), Double.parseDouble(last[1]) + Double.parseDouble(last[2]),
                Long.parseLong(last[3]));
    }

    static String report(Result r) {
        StringBuilder md = new StringBuilder();
        md.append("Each kernel booted once (standard scenario, 512 MiB, 1 vCPU), acquired to an ELF core; then in turns, ")
                .append("per round every kernel once. In-JVM figures are medians in a warm JVM; one-shot is the best wall ")
                .append("time of `chirp linux pslist --image FILE` (JVM start, attach and walk included).\n\n");
        md.append("| kernel | release | attach ms | ratio | pslist walk ms | ratio | one-shot s | ratio | one-shot peak RSS MiB | processes |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|\n");
        Row base = r.rows().getFirst();
        for (Row x : r.rows()) {
            md.append(String.format("| %s | %s | %.0f | %.2f | %.1f | %.2f | %.2f | %.2f | %d | %d |%n", x.kernel(), x.release(),
                    x.attachMs(), x.attachMs() / base.attachMs(), x.pslistMs(), x.pslistMs() / base.pslistMs(),
                    x.oneShotS(), x.oneShotS() / base.oneShotS(), x.oneShotRssKb() / 1024, x.processes()));
        }
        md.append(String.format("%nBare JVM start in the same run: best %.2f s.%n",
                r.bareJvm().stream().mapToDouble(Timed::seconds).min().orElse(0)));
        return md.toString();
    }

    static String isfReport(Result r) {
        StringBuilder md = new StringBuilder("| run | what | wall s | user + sys CPU s | peak RSS MiB |\n|---|---|---|---|---|\n");
        int i = 0;
        for (Timed t : r.isf()) {
            md.append(String.format("| %d | %s | %.1f | %.1f | %d |%n", ++i, t.what(), t.seconds(), t.cpuSeconds(), t.maxRssKb() / 1024));
        }
        return md.toString();
    }

    static String loadNow() {
        try {
            return Arrays.stream(Files.readString(Path.of("/proc/loadavg")).split(" ")).limit(3).reduce((a, b) -> a + " " + b).orElse("?");
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
