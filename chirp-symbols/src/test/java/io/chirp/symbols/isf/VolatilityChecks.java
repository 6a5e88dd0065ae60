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
 * the plugins print is held against what the guest says about itself. Run on the lab's default kernel (6.1) by
 * {@link VolatilityIT} and on 6.12 by {@link Volatility612IT}: the same plugins, the same checks.
 */
abstract class VolatilityChecks {
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

    /**
     * A bug of the pinned Volatility 3 on this kernel, not of CHIRP's ISF: the plugin is still run, and must fail
     * one of the known ways (a failing exit whose {@code stderr} holds a symptom, or for the symptom {@code ""},
     * exit 0 with no rows), so that the day the pinned tree is updated this test notices and the exemption is
     * removed. A bug that reads misplaced pointers can fail either way, depending on what the guest's memory holds.
     */
    record PeerBug(String plugin, String why, List<String> symptoms) {
        PeerBug(String plugin, String why, String... symptoms) { this(plugin, why, List.of(symptoms)); }

        boolean matches(Run r) {
            return symptoms.stream().anyMatch(s -> s.isEmpty() ? r.exit() == 0 && r.flat().isEmpty()
                    : r.exit() != 0 && r.stderr().contains(s));
        }
    }

    /** {@return the pinned Volatility's known bugs on the kernel this class runs on} */
    protected List<PeerBug> peerBugs() { return List.of(); }

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
        // Volatility's kmsg stops one record short of the ring's head (its loop ends when cur_id reaches head_id
        // before printing it): a second line keeps the mark off the head, and the head itself is not compared.
        g.shell("echo '<6>CHIRP-ISF-KMSG-MARK' > /dev/kmsg; echo '<6>CHIRP-ISF-KMSG-HEAD' > /dev/kmsg", Duration.ofSeconds(30));
        String sleeper = g.shell("pidof sleep", Duration.ofSeconds(30)).strip().split("\\s+")[0];
        // The guest's kernel log, as its own dmesg prints it (message text after the "[ time] " prefix).
        List<String> dmesg = g.shell("dmesg | tail -n 25", Duration.ofSeconds(30)).lines()
                .map(l -> squeeze(l).replaceFirst("^\\[[^\\]]*\\]\\s*", "")).filter(l -> !l.isBlank()).toList();
        // compared with repeats collapsed: QEMU's serial log occasionally doubles a byte ("CHIRP--ISF", "]]" after
        // the time prefix), so each line is squeezed before its prefix is cut
        assertThat(dmesg.stream().map(VolatilityChecks::squeeze).toList()).contains(squeeze("CHIRP-ISF-KMSG-MARK"))
                .last().isEqualTo(squeeze("CHIRP-ISF-KMSG-HEAD"));
        dmesg = dmesg.subList(0, dmesg.size() - 1);
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
        long t0 = System.nanoTime();
        Map<String, Run> runs = runAll(image, dir.resolve("symbols"), cache);
        System.out.printf("%d plugins in %d s%n", runs.size(), (System.nanoTime() - t0) / 1_000_000_000L);
        StringBuilder failures = new StringBuilder();
        Map<String, PeerBug> bugs = new LinkedHashMap<>();
        for (PeerBug b : peerBugs()) bugs.put(b.plugin(), b);
        for (Run r : runs.values()) {
            System.out.printf("%-45s exit %d in %5d ms, %d bytes%n", r.plugin(), r.exit(), r.millis(), r.stdout().length());
            PeerBug bug = bugs.get(r.plugin());
            if (bug != null) {
                if (!bug.matches(r)) failures.append(r.plugin()).append(" no longer fails as the known peer bug (")
                        .append(bug.why()).append("): remove the exemption. exit ").append(r.exit()).append(": ")
                        .append(r.stderr()).append('\n');
            } else if (r.exit() != 0) {
                failures.append(r.plugin()).append(" exit ").append(r.exit()).append(": ").append(r.stderr()).append('\n');
            }
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
        // kernel log: the guest's last dmesg lines are all in Volatility's reading of the printk ring buffer
        // (compared modulo repeated characters: QEMU's serial log now and then doubles a byte of the guest's answer)
        Set<String> kmsg = new HashSet<>();
        // and with outer blanks stripped: a doubled space after dmesg's "[ time]" prefix must not count as text
        for (String l : runs.get("linux.kmsg.Kmsg").column("line")) kmsg.add(squeeze(l).strip());
        assertThat(kmsg).containsAll(dmesg.stream().map(l -> squeeze(l).strip()).toList());
        // mounts: the lab's ext4 disk (where the pinned Volatility can enumerate mounts on this kernel at all)
        if (!bugs.containsKey("linux.mountinfo.MountInfo")) {
            assertThat(runs.get("linux.mountinfo.MountInfo").column("MOUNT_POINT")).contains("/mnt/data", "/proc");
        }
    }

    /** {@return s with every run of one repeated character collapsed to one} */
    static String squeeze(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            if (i == 0 || s.charAt(i) != s.charAt(i - 1)) sb.append(s.charAt(i));
        }
        return sb.toString();
    }

    private Map<String, Run> runAll(Path image, Path symbols, Path cache) throws Exception {
        // The first run fills the cache (it identifies the ISF by its banner) and saves the configuration the
        // automagic found (layers, DTB, KASLR shift): the rest load it instead of scanning the image again.
        Map<String, Run> out = new LinkedHashMap<>();
        Path config = cache.resolveSibling("vol-config.json");
        out.put(PLUGINS.getFirst(), vol(PLUGINS.getFirst(), image, symbols, cache, List.of("--save-config", config.toString())));
        assertThat(config).as("vol.py --save-config; first run: %s", out.get(PLUGINS.getFirst()).stderr()).exists();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            Map<String, Future<Run>> pending = new LinkedHashMap<>();
            for (String p : PLUGINS.subList(1, PLUGINS.size())) pending.put(p, pool.submit(() -> vol(p, image, symbols, cache, List.of("-c", config.toString()))));
            for (Map.Entry<String, Future<Run>> e : pending.entrySet()) out.put(e.getKey(), e.getValue().get(10, TimeUnit.MINUTES));
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    private static Run vol(String plugin, Path image, Path symbols, Path cache, List<String> extra) throws Exception {
        long t0 = System.nanoTime();
        Path out = cache.resolveSibling(plugin + ".json");
        Path err = cache.resolveSibling(plugin + ".err");
        List<String> cmd = new ArrayList<>(List.of("python3", VOL.toString(), "--offline", "-q", "-r", "json",
                "--cache-path", cache.toString(), "-s", symbols.toString(), "-f", image.toString()));
        cmd.addAll(extra);
        cmd.add(plugin);
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        String stderr = (done ? "" : "timed out after 5 min\n") + Files.readString(err);
        return new Run(plugin, done ? p.exitValue() : -1, Files.readString(out), stderr, millis);
    }
}
