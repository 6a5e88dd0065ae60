package io.chirp.hypervisor;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.qemu.ChannelLease;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the QEMU VMs running on this host by reading their command lines from /proc: no agent, no daemon,
 * no configuration. libvirt-managed QEMU shows up the same way.
 */
public final class VmInventory {
    private final Path proc;

    public VmInventory() { this(Path.of("/proc")); }

    VmInventory(Path proc) { this.proc = proc; }

    /** {@return the QEMU VMs running now, sorted by name} */
    public List<QemuVm> list() {
        List<QemuVm> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(proc)) {
            for (Path p : s.toList()) {
                String f = p.getFileName().toString();
                if (!f.chars().allMatch(Character::isDigit)) continue;
                try {
                    byte[] raw = Files.readAllBytes(p.resolve("cmdline"));
                    if (raw.length == 0) continue;
                    List<String> argv = Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
                    if (!Path.of(argv.getFirst()).getFileName().toString().startsWith("qemu-system")) continue;
                    out.add(parse(Long.parseLong(f), argv));
                } catch (IOException | RuntimeException e) {
                    // the process exited while we looked, or is not ours to read
                }
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot list " + proc, e);
        }
        out.sort(java.util.Comparator.comparing(QemuVm::name));
        return out;
    }

    /** {@return the VM with this name (or pid)} */
    public QemuVm find(String nameOrPid) {
        List<QemuVm> all = list();
        return all.stream().filter(v -> v.name().equals(nameOrPid) || Long.toString(v.pid()).equals(nameOrPid))
                .findFirst().orElseThrow(() -> ChirpException.notFound("no running QEMU VM named '" + nameOrPid + "'"
                        + (all.isEmpty() ? " (no QEMU VM runs on this host)" : "; running: "
                        + String.join(", ", all.stream().map(QemuVm::name).toList()))));
    }

    /**
     * {@return the CHIRP processes (this one included) holding this VM's single-client channels, QMP first, from
     * their lease records} A channel held by something other than CHIRP does not show here.
     */
    public static List<ChannelLease> holders(QemuVm vm) {
        List<ChannelLease> out = new ArrayList<>();
        vm.qmpSocket().flatMap(s -> ChannelLease.read("qmp", s.toAbsolutePath().normalize().toString())).ifPresent(out::add);
        if (vm.gdbPort() > 0) ChannelLease.read("gdb", "127.0.0.1:" + vm.gdbPort()).ifPresent(out::add);
        return out;
    }

    /** Parses a QEMU command line into the channels it declares. */
    static QemuVm parse(long pid, List<String> argv) {
        String name = null, uuid = null;
        long memory = 0;
        Path ram = null, qmp = null;
        String backend = "mem";
        boolean shared = false;
        int gdb = 0;
        Map<String, Path> socketChardevs = new HashMap<>();
        List<String> monitorChardevs = new ArrayList<>();
        for (int i = 1; i < argv.size() - 1; i++) {
            String opt = argv.get(i).replaceFirst("^--", "-");
            String val = argv.get(i + 1);
            switch (opt) {
                case "-name" -> {
                    Map<String, String> kv = options(val, "guest");
                    name = kv.getOrDefault("guest", val.split(",")[0]);
                }
                case "-uuid" -> uuid = val;
                case "-m" -> memory = size(options(val, "size").getOrDefault("size", "0"));
                case "-object" -> {
                    Map<String, String> kv = options(val, "qom-type");
                    if ("memory-backend-file".equals(kv.get("qom-type")) && kv.containsKey("mem-path")) {
                        ram = Path.of(kv.get("mem-path"));
                        backend = kv.getOrDefault("id", backend);
                        shared = "on".equals(kv.get("share")) || "true".equals(kv.get("share"));
                        if (kv.containsKey("size")) memory = Math.max(memory, size(kv.get("size")));
                    }
                }
                case "-qmp" -> {
                    if (val.startsWith("unix:")) qmp = Path.of(val.substring(5).split(",")[0]);
                }
                case "-chardev" -> {
                    Map<String, String> kv = options(val, "backend");
                    if ("socket".equals(kv.get("backend")) && kv.containsKey("path") && kv.containsKey("id")) {
                        socketChardevs.put(kv.get("id"), Path.of(kv.get("path")));
                    }
                }
                case "-mon" -> {
                    Map<String, String> kv = options(val, "chardev");
                    if ("control".equals(kv.get("mode")) && kv.containsKey("chardev")) monitorChardevs.add(kv.get("chardev"));
                }
                case "-gdb" -> {
                    if (val.startsWith("tcp:")) {
                        String[] hp = val.substring(4).split(",")[0].split(":");
                        gdb = Integer.parseInt(hp[hp.length - 1]);
                    }
                }
                case "-s" -> gdb = 1234;
                default -> { }
            }
        }
        if (argv.contains("-s") && gdb == 0) gdb = 1234;
        if (qmp == null) {
            for (String c : monitorChardevs) {
                if (socketChardevs.containsKey(c)) { qmp = socketChardevs.get(c); break; }
            }
        }
        return new QemuVm(pid, name != null ? name : "pid-" + pid, Optional.ofNullable(uuid), memory,
                Optional.ofNullable(ram), backend, shared, Optional.ofNullable(qmp), gdb, List.copyOf(argv));
    }

    /** QEMU option syntax: "first,key=value,key=value" with ",," escaping a comma. */
    static Map<String, String> options(String s, String implicitKey) {
        Map<String, String> out = new HashMap<>();
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',' && i + 1 < s.length() && s.charAt(i + 1) == ',') { cur.append(','); i++; }
            else if (c == ',') { parts.add(cur.toString()); cur.setLength(0); }
            else cur.append(c);
        }
        parts.add(cur.toString());
        for (int i = 0; i < parts.size(); i++) {
            String p = parts.get(i);
            int eq = p.indexOf('=');
            if (eq < 0) {
                if (i == 0) out.put(implicitKey, p);
                else out.put(p, "on");
            } else {
                out.put(p.substring(0, eq), p.substring(eq + 1));
            }
        }
        return out;
    }

    /** Parses QEMU sizes: plain numbers are MiB for -m, suffixes K/M/G/T. */
    static long size(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT);
        if (t.isEmpty()) return 0;
        char last = t.charAt(t.length() - 1);
        long mult = switch (last) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            case 'T' -> 1L << 40;
            case 'B' -> 1;
            default -> -1;
        };
        try {
            if (mult == -1) return Long.parseLong(t) << 20;
            return Long.parseLong(t.substring(0, t.length() - 1)) * mult;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static Optional<String> optional(String s) { return Optional.ofNullable(s); }
}
