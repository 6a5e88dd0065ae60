package io.chirp.lab;

import io.chirp.core.ChirpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Boots, lists and stops lab guests. Each guest runs as a daemonized QEMU with a reaper beside it: the reaper
 * kills QEMU when its owner process dies (a test JVM, even one killed with SIGKILL) and removes the RAM file
 * when QEMU exits, so nothing outlives the run that made it.
 */
public final class Lab {
    private static final Logger log = LoggerFactory.getLogger(Lab.class);
    public static final String READY_MARKER = "===CHIRP-LAB-READY===";

    /**
     * How to boot a guest.
     *
     * @param name        guest name, or null for a generated one
     * @param scenario    what runs in the guest
     * @param memoryBytes RAM size
     * @param cpus        number of vCPUs
     * @param ownerPid    process whose death kills the guest, or 0 to let it run until {@code lab down}
     * @param kernelArgs  extra kernel command-line arguments (e.g. "pti=on")
     * @param bootTimeout how long to wait for the ground-truth marker
     * @param kernel      the Debian kernel package to boot (see {@link GuestImageBuilder#DEFAULT_KERNEL})
     */
    public record Options(String name, Scenario scenario, long memoryBytes, int cpus, long ownerPid,
                          String kernelArgs, Duration bootTimeout, String kernel) {
        public Options(String name, Scenario scenario, long memoryBytes, int cpus, long ownerPid, String kernelArgs,
                       Duration bootTimeout) {
            this(name, scenario, memoryBytes, cpus, ownerPid, kernelArgs, bootTimeout, GuestImageBuilder.DEFAULT_KERNEL);
        }
        public static Options defaults() {
            return new Options(null, Scenario.standard(), 512L << 20, 1, ProcessHandle.current().pid(), "",
                    Duration.ofSeconds(120));
        }
        public Options withKernel(String k) {
            return new Options(name, scenario, memoryBytes, cpus, ownerPid, kernelArgs, bootTimeout, GuestImageBuilder.checkedKernel(k));
        }
        public Options withName(String n) { return new Options(n, scenario, memoryBytes, cpus, ownerPid, kernelArgs, bootTimeout, kernel); }
        public Options withScenario(Scenario s) { return new Options(name, s, memoryBytes, cpus, ownerPid, kernelArgs, bootTimeout, kernel); }
        public Options withMemory(long m) { return new Options(name, scenario, m, cpus, ownerPid, kernelArgs, bootTimeout, kernel); }
        public Options withCpus(int c) { return new Options(name, scenario, memoryBytes, c, ownerPid, kernelArgs, bootTimeout, kernel); }
        public Options withOwner(long pid) { return new Options(name, scenario, memoryBytes, cpus, pid, kernelArgs, bootTimeout, kernel); }
        public Options withKernelArgs(String a) { return new Options(name, scenario, memoryBytes, cpus, ownerPid, a, bootTimeout, kernel); }
    }

    private final LabHome home;

    public Lab(LabHome home) { this.home = home; }

    public static Lab fromEnvironment() { return new Lab(LabHome.fromEnvironment()); }

    public LabHome home() { return home; }

    /** Boots a guest and waits for its ground truth. Fails with the serial log if it does not come up. */
    public LabGuest boot(Options o) {
        GuestArch arch = GuestArch.ofKernelPackage(o.kernel());
        HostCommand.require(arch.qemu(), arch.qemuPackage(), "qemu-img", "qemu-utils", "setsid", "util-linux");
        if (o.scenario().forwards().stream().anyMatch(f -> f.command().startsWith("socat"))) {
            HostCommand.require("socat", "socat");
        }
        GuestImage image = new GuestImageBuilder(home, o.kernel()).build();
        String name = o.name() != null ? o.name()
                : "lab-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,40}")) throw ChirpException.usage("bad guest name: " + name);
        Path dir = home.vms().resolve(name);
        try {
            reapStale();
            if (Files.exists(dir)) throw ChirpException.usage("a lab guest named " + name + " exists already");
            Files.createDirectories(dir);
            Path qmp = dir.resolve("qmp.sock");
            if (qmp.toString().length() > 100) {
                throw ChirpException.usage("state folder path too long for unix sockets: " + dir + " (set CHIRP_HOME shorter)");
            }
            Path ram = home.ramDir().resolve("chirp-" + name + ".ram");
            Files.createDirectories(ram.getParent());
            Path serialLog = dir.resolve("serial.log");
            Path serialSock = dir.resolve("serial.sock");
            Path disk = dir.resolve("disk.qcow2");
            HostCommand.of(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-b", image.disk().toString(), "-F", "raw",
                    disk.toString()).run();
            Path initrd = dir.resolve("initrd.img");
            Files.copy(image.initramfs(), initrd);
            Files.write(initrd, o.scenario().toCpio(), java.nio.file.StandardOpenOption.APPEND);
            int gdbPort = freePort();
            String mem = (o.memoryBytes() >> 20) + "M";
            StringBuilder netdev = new StringBuilder("user,id=net0,restrict=on");
            for (Scenario.Forward f : o.scenario().forwards()) {
                if (f.command().contains(",")) throw ChirpException.usage("guestfwd command may not contain ','");
                netdev.append(',').append(f.netdevOption());
            }
            List<String> cmd = new ArrayList<>(List.of(arch.qemu(),
                    "-name", name,
                    "-accel", arch == GuestArch.X86_64 ? accel() : "tcg",
                    "-cpu", System.getenv().getOrDefault("CHIRP_LAB_CPU", arch.cpu()),
                    "-smp", Integer.toString(o.cpus()), "-m", mem,
                    "-object", "memory-backend-file,id=mem,size=" + mem + ",mem-path=" + ram + ",share=on",
                    "-machine", arch.machine() + ",memory-backend=mem",
                    "-nodefaults", "-display", "none", "-no-reboot",
                    "-kernel", image.kernel().toString(), "-initrd", initrd.toString(),
                    "-append", ("console=" + arch.console() + " panic=-1 " + o.kernelArgs()).strip(),
                    "-chardev", "socket,id=ser0,path=" + serialSock + ",server=on,wait=off,logfile=" + serialLog,
                    "-serial", "chardev:ser0",
                    "-qmp", "unix:" + qmp + ",server=on,wait=off",
                    "-gdb", "tcp:127.0.0.1:" + gdbPort,
                    "-blockdev", "driver=file,filename=" + disk + ",node-name=file0",
                    "-blockdev", "driver=qcow2,file=file0,node-name=disk0",
                    "-device", "virtio-blk-pci,drive=disk0,id=vblk0",
                    "-netdev", netdev.toString(),
                    "-device", "virtio-net-pci,netdev=net0,id=vnet0,mac=52:54:00:12:34:56",
                    "-daemonize", "-pidfile", dir.resolve("qemu.pid").toString()));
            Files.writeString(dir.resolve("qemu.cmdline"), String.join("\n", cmd) + "\n");
            long start = System.nanoTime();
            Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(dir.resolve("qemu.out").toFile())
                    .redirectError(dir.resolve("qemu.err").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                String err = Files.readString(dir.resolve("qemu.err"));
                GuestImageBuilder.deleteTree(dir);
                Files.deleteIfExists(ram);
                throw ChirpException.unavailable("QEMU did not start: " + err.strip());
            }
            long pid = Long.parseLong(Files.readString(dir.resolve("qemu.pid")).strip());
            startReaper(pid, o.ownerPid(), ram, dir);
            LabGuest guest = new LabGuest(name, dir, pid, ram, o.memoryBytes(), qmp, gdbPort, serialLog, serialSock,
                    disk, 0);
            // TCG runs a foreign instruction set several times slower than x86 on x86 (measured: an arm64 guest
            // reaches its ground truth in 2-4 minutes here under load), so the same limit would fail healthy boots
            Duration bootTimeout = arch == GuestArch.X86_64 ? o.bootTimeout() : o.bootTimeout().multipliedBy(5);
            long deadline = start + bootTimeout.toNanos();
            while (!guest.serialText().contains(READY_MARKER)) {
                if (!guest.isAlive() || System.nanoTime() > deadline) {
                    String serial = guest.serialText();
                    boolean alive = guest.isAlive(); // before stop(), which ends it
                    stop(guest);
                    throw new ChirpException(ChirpException.Kind.UNAVAILABLE, "lab guest " + name + " did not boot"
                            + (alive ? " within " + bootTimeout : " (QEMU exited)")
                            + "; serial log:\n" + tail(serial, 6000));
                }
                Thread.sleep(100);
            }
            long bootMillis = (System.nanoTime() - start) / 1_000_000;
            guest = new LabGuest(name, dir, pid, ram, o.memoryBytes(), qmp, gdbPort, serialLog, serialSock, disk, bootMillis);
            guest.save();
            log.info("lab guest {} up in {} ms (kernel {}, pid {})", name, bootMillis, image.kernelRelease(), pid);
            return guest;
        } catch (IOException e) {
            throw ChirpException.io("cannot boot lab guest " + name + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted while booting " + name);
        }
    }

    /** {@return running lab guests} */
    public List<LabGuest> list() {
        reapStale();
        List<LabGuest> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(home.vms())) {
            for (Path d : s.sorted().toList()) LabGuest.load(d).filter(LabGuest::isAlive).ifPresent(out::add);
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** {@return the running guest with this name} */
    public LabGuest find(String name) {
        return list().stream().filter(g -> g.name().equals(name)).findFirst()
                .orElseThrow(() -> ChirpException.notFound("no running lab guest named " + name));
    }

    static void stop(LabGuest g) {
        ProcessHandle.of(g.pid()).ifPresent(h -> {
            if (!isQemu(h)) return;
            h.destroy();
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
                try { h.onExit().get(5, TimeUnit.SECONDS); } catch (Exception ignored) { /* reported below */ }
            }
        });
        try {
            Files.deleteIfExists(g.ramFile());
            GuestImageBuilder.deleteTree(g.dir());
        } catch (IOException e) {
            log.warn("could not clean up {}: {}", g.dir(), e.toString());
        }
    }

    /** Removes state left by guests whose QEMU is gone (a crash, a reboot of the host). */
    private void reapStale() {
        if (!Files.isDirectory(home.vms())) return;
        try (Stream<Path> s = Files.list(home.vms())) {
            for (Path d : s.toList()) {
                var g = LabGuest.load(d);
                if (g.isPresent() && !g.get().isAlive()) stop(g.get());
            }
        } catch (IOException e) {
            log.debug("cannot scan {}: {}", home.vms(), e.toString());
        }
    }

    private static boolean isQemu(ProcessHandle h) {
        return h.info().command().map(c -> c.contains("qemu")).orElse(true);
    }

    /**
     * The reaper is its own session (setsid), so a Ctrl-C to the test run does not reach it, and it outlives a
     * killed JVM. It polls once a second: cheap, and an orphan lives at most that long.
     */
    private static void startReaper(long qemuPid, long ownerPid, Path ram, Path dir) throws IOException {
        String script = """
                q=$1; o=$2; ram=$3; dir=$4
                while kill -0 "$q" 2>/dev/null; do
                  if [ "$o" != 0 ] && ! kill -0 "$o" 2>/dev/null; then
                    kill "$q" 2>/dev/null; sleep 3; kill -9 "$q" 2>/dev/null
                  fi
                  sleep 1
                done
                rm -f "$ram"; rm -rf "$dir"
                """;
        new ProcessBuilder("setsid", "sh", "-c", script, "chirp-reaper", Long.toString(qemuPid),
                Long.toString(ownerPid), ram.toString(), dir.toString())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** KVM where it works (QEMU falls back to TCG by itself when KVM cannot start), TCG otherwise. */
    private static String accel() {
        String env = System.getenv("CHIRP_LAB_ACCEL");
        if (env != null && !env.isBlank()) return env;
        return "tcg";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Parses sizes such as 512M, 4G, 1536m. */
    public static long parseSize(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        long mult = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        String num = mult == 1 ? t : t.substring(0, t.length() - 1);
        try {
            long v = Long.parseLong(num) * mult;
            if (v < (64L << 20)) throw ChirpException.usage("memory size too small: " + s + " (at least 64M)");
            return v;
        } catch (NumberFormatException e) {
            throw ChirpException.usage("not a size: " + s + " (e.g. 512M, 4G)");
        }
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : "..." + s.substring(s.length() - n);
    }

    static String utf8(byte[] b) { return new String(b, StandardCharsets.UTF_8); }
}
