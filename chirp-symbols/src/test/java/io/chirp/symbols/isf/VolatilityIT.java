package io.chirp.symbols.isf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import io.chirp.memory.RamLayout;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.acquire.AcquisitionRequest;
import io.chirp.memory.acquire.MemoryAcquirer;
import io.chirp.symbols.kernel.KernelInfo;
import io.chirp.symbols.kernel.KernelLocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Volatility 3 (the pinned tree in /work/shared/tools) runs every Linux plugin that applies to the lab guest with
 * the ISF CHIRP exports from the guest's own kallsyms and BTF, on a consistent ELF image of the guest, and what
 * the plugins print is held against what the guest says about itself.
 */
@WithLabGuest
class VolatilityIT {
    static final Path VOL = Path.of("/work/shared/tools/volatility3/vol.py");
    /** vol.py starts cost seconds each and the machine has two cores: two at a time. */
    static final int PARALLEL = 2;
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Every Linux plugin of the pinned tree, and the arguments it needs. Not here (README "Volatility 3"):
     * linux.vmayarascan.VmaYaraScan needs yara-python and rules; linux.pidhashtable needs pid_hash (kernels
     * before 4.15) — it falls back on its own, so it is run.
     */
    static final List<String> PLUGINS = List.of(
            "linux.pslist.PsList", "linux.pstree.PsTree", "linux.psaux.PsAux", "linux.psscan.PsScan",
            "linux.pidhashtable.PIDHashTable", "linux.lsmod.Lsmod", "linux.check_modules.Check_modules",
            "linux.lsof.Lsof", "linux.sockstat.Sockstat", "linux.kmsg.Kmsg", "linux.mountinfo.MountInfo",
            "linux.envars.Envars", "linux.proc.Maps", "linux.elfs.Elfs", "linux.library_list.LibraryList",
            "linux.malfind.Malfind", "linux.bash.Bash", "linux.capabilities.Capabilities",
            "linux.check_afinfo.Check_afinfo", "linux.check_creds.Check_creds", "linux.check_idt.Check_idt",
            "linux.check_syscall.Check_syscall", "linux.ebpf.EBPF", "linux.iomem.IOMem",
            "linux.keyboard_notifiers.Keyboard_notifiers", "linux.netfilter.Netfilter", "linux.ptrace.Ptrace",
            "linux.tty_check.tty_check", "linux.pagecache.Files");

    @TempDir Path dir;

    record Run(String plugin, int exit, String stdout, String stderr, long millis) {
        JsonNode rows() {
            try {
                return JSON.readTree(stdout);
            } catch (Exception e) {
                throw new AssertionError(plugin + " printed no JSON: " + stdout + "\n" + stderr, e);
            }
        }

        /** Rows flattened (the JSON renderer nests tree rows under __children). */
        List<JsonNode> flat() {
            List<JsonNode> out = new ArrayList<>();
            ArrayList<JsonNode> todo = new ArrayList<>();
            rows().forEach(todo::add);
            while (!todo.isEmpty()) {
                JsonNode n = todo.removeLast();
                out.add(n);
                n.path("__children").forEach(todo::add);
            }
            return out;
        }

        Set<String> column(String name) {
            Set<String> out = new HashSet<>();
            for (JsonNode n : flat()) out.add(n.path(name).asText());
            return out;
        }
    }

    @Test
    void everyApplicableLinuxPluginRunsOnChirpsIsfAndAgreesWithTheGuest(LabGuest g) throws Exception {
        assertThat(VOL).exists();
        // Things for the plugins to find: a process with a marker environment variable holding /etc/passwd
        // open, a TCP listener, and a kernel log line.
        g.shell("CHIRP_ISF_MARK=isf-env sh -c 'exec 3</etc/passwd; exec sleep 600' >/dev/null 2>&1 &", Duration.ofSeconds(30));
        g.shell("nc -l -p 4747 >/dev/null 2>&1 &", Duration.ofSeconds(30));
        g.shell("echo CHIRP-ISF-KMSG-MARK > /dev/kmsg", Duration.ofSeconds(30));
        String sleeper = g.shell("pidof sleep", Duration.ofSeconds(30)).strip().split("\\s+")[0];
        Path image = dir.resolve("guest.elf");
        try (MappedFileMemory ram = MemoryImages.openRam(g.ramFile(), RamLayout.identity(g.memoryBytes()), true);
             QmpClient qmp = QmpClient.connect(g.qmpSocket())) {
            qmp.execute("stop", null);
            try { // consistent: list walks in a running guest's image could tear
                MemoryAcquirer.acquire(ram, image, AcquisitionRequest.of(ImageFormat.ELF_CORE).withVm(g.name(), Map.of()));
            } finally {
                qmp.execute("cont", null);
            }
        }
        // The guest's own view right after the image: nothing in the lab changes processes or modules by itself.
        Set<String> pids = new HashSet<>(List.of(g.shell("cd /proc && ls -d [0-9]*", Duration.ofSeconds(30))
                .strip().split("\\s+")));
        List<String> modules = g.groundTruth().modules();

        Path symbols = Files.createDirectories(dir.resolve("symbols/linux"));
        KernelInfo k;
        IsfWriter.Export export;
        try (MemoryImage img = MemoryImages.open(image)) {
            k = KernelLocator.locate(img.memory());
            try (OutputStream out = Files.newOutputStream(symbols.resolve("chirp.json"))) {
                export = IsfWriter.write(out, k, img.memory());
            }
        }
        assertThat(export.warnings()).isEmpty();

        Path cache = Files.createDirectories(dir.resolve("cache"));
        Files.createDirectories(Path.of("/tmp/isfvol")); // TEMP exploration
        Files.copy(image, Path.of("/tmp/isfvol/guest.elf"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(symbols.resolve("chirp.json"), Path.of("/tmp/isfvol/chirp.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, Run> runs = runAll(image, dir.resolve("symbols"), cache);
        StringBuilder failures = new StringBuilder();
        for (Run r : runs.values()) {
            System.out.printf("%-45s exit %d in %5d ms, %d bytes%n", r.plugin(), r.exit(), r.millis(), r.stdout().length());
            if (r.exit() != 0) failures.append(r.plugin()).append(" exit ").append(r.exit()).append(": ")
                    .append(r.stderr()).append('\n');
        }
        assertThat(failures.toString()).isEmpty();

        // processes: pslist's PIDs are the guest's (less the shell's short-lived children), pstree and psscan agree
        Set<String> pslist = runs.get("linux.pslist.PsList").column("PID");
        assertThat(pslist).contains(sleeper, "1");
        Set<String> stable = new HashSet<>(pids);
        stable.retainAll(pslist);
        assertThat(stable.size()).as("guest pids %s vs pslist %s", pids, pslist).isGreaterThanOrEqualTo(pids.size() - 3);
        assertThat(runs.get("linux.pstree.PsTree").column("PID")).containsAll(pslist);
        assertThat(runs.get("linux.psscan.PsScan").column("PID")).containsAll(pslist);
        assertThat(runs.get("linux.psaux.PsAux").flat()).anySatisfy(n -> {
            assertThat(n.path("PID").asText()).isEqualTo(sleeper);
            assertThat(n.path("ARGS").asText()).isEqualTo("sleep 600");
        });
        assertThat(runs.get("linux.envars.Envars").flat()).anySatisfy(n -> {
            assertThat(n.path("PID").asText()).isEqualTo(sleeper);
            assertThat(n.path("KEY").asText()).isEqualTo("CHIRP_ISF_MARK");
            assertThat(n.path("VALUE").asText()).isEqualTo("isf-env");
        });
        // modules: lsmod lists what /proc/modules listed; check_modules finds none hidden from sysfs
        assertThat(runs.get("linux.lsmod.Lsmod").column("Name")).containsExactlyInAnyOrderElementsOf(modules);
        assertThat(runs.get("linux.check_modules.Check_modules").flat()).isEmpty();
        // open files and sockets
        assertThat(runs.get("linux.lsof.Lsof").flat()).anySatisfy(n -> {
            assertThat(n.path("PID").asText()).isEqualTo(sleeper);
            assertThat(n.path("FD").asText()).isEqualTo("3");
            assertThat(n.path("Path").asText()).isEqualTo("/etc/passwd");
        });
        assertThat(runs.get("linux.sockstat.Sockstat").flat()).anySatisfy(n -> {
            assertThat(n.path("Proto").asText()).isEqualTo("TCP");
            assertThat(n.path("Source Port").asText()).isEqualTo("4747");
            assertThat(n.path("State").asText()).isEqualTo("LISTEN");
        });
        // kernel log
        assertThat(runs.get("linux.kmsg.Kmsg").column("line")).anyMatch(l -> l.contains("CHIRP-ISF-KMSG-MARK"));
        // mounts: the lab's ext4 disk
        assertThat(runs.get("linux.mountinfo.MountInfo").column("MOUNT_POINT")).contains("/mnt/data", "/proc");
    }

    private Map<String, Run> runAll(Path image, Path symbols, Path cache) throws Exception {
        // The first run fills the cache (it identifies the ISF by its banner); the rest reuse it.
        Map<String, Run> out = new LinkedHashMap<>();
        out.put(PLUGINS.getFirst(), vol(PLUGINS.getFirst(), image, symbols, cache));
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            Map<String, Future<Run>> pending = new LinkedHashMap<>();
            for (String p : PLUGINS.subList(1, PLUGINS.size())) pending.put(p, pool.submit(() -> vol(p, image, symbols, cache)));
            for (Map.Entry<String, Future<Run>> e : pending.entrySet()) out.put(e.getKey(), e.getValue().get(10, TimeUnit.MINUTES));
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    private static Run vol(String plugin, Path image, Path symbols, Path cache) throws Exception {
        long t0 = System.nanoTime();
        Path out = cache.resolveSibling(plugin + ".json");
        Path err = cache.resolveSibling(plugin + ".err");
        Process p = new ProcessBuilder("python3", VOL.toString(), "--offline", "-q", "-r", "json", "--cache-path",
                cache.toString(), "-s", symbols.toString(), "-f", image.toString(), plugin)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        String stderr = (done ? "" : "timed out after 5 min\n") + Files.readString(err);
        Path keep = Path.of("/tmp/isfvol"); // TEMP exploration
        Files.createDirectories(keep);
        Files.copy(out, keep.resolve(plugin + ".json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(err, keep.resolve(plugin + ".err"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return new Run(plugin, done ? p.exitValue() : -1, Files.readString(out), stderr, millis);
    }
}
