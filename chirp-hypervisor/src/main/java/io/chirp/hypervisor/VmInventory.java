package io.chirp.hypervisor;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.qemu.ChannelLease;
import io.chirp.hypervisor.qemu.QemuCommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
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

    /** Parses a QEMU command line into the channels it declares (both QEMU syntaxes: {@link QemuCommandLine}). */
    static QemuVm parse(long pid, List<String> argv) {
        QemuCommandLine cl = QemuCommandLine.of(argv);
        String name = cl.last("-name", "guest").map(kv -> kv.get("guest")).orElse(null);
        String uuid = cl.values("-uuid").isEmpty() ? null : cl.values("-uuid").getLast();
        long memory = cl.last("-m", "size").map(kv -> QemuCommandLine.size(kv.getOrDefault("size", "0"), 1L << 20)).orElse(0L);
        Path ram = null, qmp = null;
        String backend = "mem";
        boolean shared = false;
        for (Map<String, String> kv : cl.all("-object", "qom-type")) {
            if ("memory-backend-file".equals(kv.get("qom-type")) && kv.containsKey("mem-path")) {
                ram = Path.of(kv.get("mem-path"));
                backend = kv.getOrDefault("id", backend);
                shared = QemuCommandLine.isTrue(kv.get("share"));
                // an object's plain size is bytes (libvirt's JSON always is); -m's plain number is MiB
                if (kv.containsKey("size")) memory = Math.max(memory, QemuCommandLine.size(kv.get("size"), 1));
            }
        }
        for (String v : cl.values("-qmp")) {
            if (v.startsWith("unix:")) qmp = Path.of(QemuCommandLine.keyValues(v.substring(5), "path").get("path"));
        }
        Map<String, Path> socketChardevs = new HashMap<>();
        for (Map<String, String> kv : cl.all("-chardev", "backend")) {
            if ("socket".equals(kv.get("backend")) && kv.containsKey("path") && kv.containsKey("id")) {
                socketChardevs.put(kv.get("id"), Path.of(kv.get("path")));
            }
        }
        int gdb = 0;
        for (String v : cl.values("-gdb")) {
            if (v.startsWith("tcp:")) {
                String[] hp = v.substring(4).split(",")[0].split(":");
                try {
                    gdb = Integer.parseInt(hp[hp.length - 1]);
                } catch (NumberFormatException e) {
                    gdb = 0; // a port CHIRP cannot read is no port
                }
            }
        }
        if (cl.has("-s") && gdb == 0) gdb = 1234;
        if (qmp == null) {
            for (Map<String, String> kv : cl.all("-mon", "chardev")) {
                if ("control".equals(kv.get("mode")) && socketChardevs.containsKey(kv.get("chardev"))) {
                    qmp = socketChardevs.get(kv.get("chardev"));
                    break;
                }
            }
        }
        return new QemuVm(pid, name != null ? name : "pid-" + pid, Optional.ofNullable(uuid), memory,
                Optional.ofNullable(ram), backend, shared, Optional.ofNullable(qmp), gdb, List.copyOf(argv));
    }

    /** QEMU option syntax: "first,key=value,key=value" with ",," escaping a comma ({@link QemuCommandLine}). */
    static Map<String, String> options(String s, String implicitKey) { return QemuCommandLine.keyValues(s, implicitKey); }

    static Optional<String> optional(String s) { return Optional.ofNullable(s); }
}
