package io.chirp.lab;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a lab guest says about itself, printed on its serial console between markers: the oracle that
 * CHIRP's view from outside is compared against. Sections are {@code @@ name} lines followed by content.
 */
public record GroundTruth(Map<String, List<String>> sections) {
    public static final String BEGIN = "CHIRP-GROUND-TRUTH-BEGIN";
    public static final String END = "CHIRP-GROUND-TRUTH-END";

    /** A process as the guest's /proc shows it. {@code args} is the command line with NULs as spaces. */
    public record Process(int pid, int ppid, int uid, String comm, String args) {}

    /** A TCP or UDP socket from /proc/net/{tcp,tcp6,udp,udp6}. Addresses as printed there (hex, little-endian words). */
    public record Socket(String table, String localHex, int localPort, String remoteHex, int remotePort, int state,
                         int uid, long inode) {}

    /** Parses the report out of a serial log (CRLF line ends, kernel messages interleaved before the report). */
    public static Optional<GroundTruth> parse(String serialLog) {
        int b = serialLog.lastIndexOf(BEGIN);
        if (b < 0) return Optional.empty();
        int e = serialLog.indexOf(END, b);
        if (e < 0) return Optional.empty();
        Map<String, List<String>> sections = new LinkedHashMap<>();
        List<String> current = null;
        for (String raw : serialLog.substring(b + BEGIN.length(), e).split("\n")) {
            String line = raw.replace("\r", "");
            if (line.startsWith("@@ ")) {
                current = new ArrayList<>();
                sections.put(line.substring(3).strip(), current);
            } else if (current != null && !line.isEmpty()) {
                current.add(line);
            }
        }
        sections.replaceAll((k, v) -> List.copyOf(v));
        return Optional.of(new GroundTruth(Map.copyOf(sections)));
    }

    /** {@return the lines of one section, empty if absent} */
    public List<String> section(String name) { return sections.getOrDefault(name, List.of()); }

    /** {@return {@code uname -r} of the guest} */
    public String kernelRelease() { return section("uname").isEmpty() ? "" : section("uname").getFirst(); }

    public List<Process> processes() {
        List<Process> out = new ArrayList<>();
        for (String l : section("processes")) {
            String[] f = l.split("\\|", 5);
            if (f.length < 5 || f[1].isBlank() || f[2].isBlank()) continue;
            out.add(new Process(Integer.parseInt(f[0]), Integer.parseInt(f[1].strip()), Integer.parseInt(f[2].strip()),
                    f[3], f[4].strip()));
        }
        return out;
    }

    /** {@return kernel symbol name to address, for the symbols the guest was asked to print} */
    public Map<String, Long> kallsyms() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String l : section("kallsyms")) {
            String[] f = l.strip().split("\\s+");
            if (f.length >= 3) out.putIfAbsent(f[2], Long.parseUnsignedLong(f[0], 16));
        }
        return out;
    }

    /** {@return loaded module names, as /proc/modules lists them} */
    public List<String> modules() {
        return section("modules").stream().map(l -> l.split(" ")[0]).toList();
    }

    public List<Socket> sockets() {
        List<Socket> out = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
            for (String l : section(table)) {
                String[] f = l.strip().split("\\s+");
                if (f.length < 10 || !f[0].endsWith(":")) continue;
                String[] local = f[1].split(":");
                String[] remote = f[2].split(":");
                out.add(new Socket(table, local[0], Integer.parseInt(local[1], 16), remote[0],
                        Integer.parseInt(remote[1], 16), Integer.parseInt(f[3], 16), Integer.parseInt(f[7]),
                        Long.parseLong(f[9])));
            }
        }
        return out;
    }

    /**
     * A task's capability sets and tracer, as /proc/PID/status prints them.
     *
     * @param tracerPid TracerPid: the tgid of the process ptracing it, 0 if none
     */
    public record TaskStatus(int pid, long inheritable, long permitted, long effective, long bounding, long ambient,
                             int tracerPid) {}

    /** {@return the task-status section: capabilities and TracerPid of every process} */
    public List<TaskStatus> taskStatus() {
        List<TaskStatus> out = new ArrayList<>();
        for (String l : section("task-status")) {
            String[] f = l.split("\\|", 2);
            if (f.length < 2) continue;
            Map<String, String> v = new LinkedHashMap<>();
            for (String kv : f[1].strip().split("\\s+")) {
                String[] p = kv.split(":", 2);
                if (p.length == 2) v.put(p[0], p[1]);
            }
            if (v.size() < 6) continue; // a process that exited during the report
            out.add(new TaskStatus(Integer.parseInt(f[0]), Long.parseUnsignedLong(v.get("CapInh"), 16),
                    Long.parseUnsignedLong(v.get("CapPrm"), 16), Long.parseUnsignedLong(v.get("CapEff"), 16),
                    Long.parseUnsignedLong(v.get("CapBnd"), 16), Long.parseUnsignedLong(v.get("CapAmb"), 16),
                    Integer.parseInt(v.get("TracerPid"))));
        }
        return out;
    }

    /**
     * An open eBPF program or map, as /proc/PID/fdinfo shows it.
     *
     * @param link   the fd's link target ({@code anon_inode:bpf-prog}, {@code anon_inode:bpf-map}, ...)
     * @param fields the fdinfo fields (prog_type, prog_tag, prog_id, map_type, map_id, key_size, ...)
     */
    public record BpfFd(int pid, int fd, String link, Map<String, String> fields) {}

    /** {@return the bpf-fdinfo section} */
    public List<BpfFd> bpfFds() {
        List<BpfFd> out = new ArrayList<>();
        for (String l : section("bpf-fdinfo")) {
            String[] f = l.split("\\|", 4);
            if (f.length < 4) continue;
            Map<String, String> fields = new LinkedHashMap<>();
            for (String kv : f[3].split(";")) {
                String[] p = kv.strip().split(":\\s*", 2);
                if (p.length == 2) fields.put(p[0], p[1].strip());
            }
            out.add(new BpfFd(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], Map.copyOf(fields)));
        }
        return out;
    }

    /**
     * A command as an interactive shell's own {@code history} builtin listed it (scenario interactiveShell).
     *
     * @param file  which shell's answer ("history-ash.out", "history-bash.out")
     * @param epoch when it was entered (bash with HISTTIMEFORMAT='%s '), null if the shell shows no time
     */
    public record ShellCommand(String file, int index, Long epoch, String command) {}

    /** {@return the shell-history section, terminal control sequences and the prompt left out} */
    public List<ShellCommand> shellHistory() {
        List<ShellCommand> out = new ArrayList<>();
        for (String l : section("shell-history")) {
            String[] f = l.split("\\|", 2);
            if (f.length < 2) continue;
            String text = f[1].replaceAll("\u001b\\[[0-9;?]*[A-Za-z]", "").strip();
            java.util.regex.Matcher m = (f[0].contains("bash")
                    ? java.util.regex.Pattern.compile("(\\d+)\\s+(\\d+)\\s(.*)")
                    : java.util.regex.Pattern.compile("(\\d+)\\s()(.*)")).matcher(text);
            if (!m.matches()) continue; // the echoed "history" line, the prompt
            out.add(new ShellCommand(f[0], Integer.parseInt(m.group(1)),
                    m.group(2).isEmpty() ? null : Long.parseLong(m.group(2)), m.group(3)));
        }
        return out;
    }

    /** A process's namespaces as /proc/PID/ns links name them ("net:[4026531840]", "mnt:[4026531841]"). */
    public record ProcessNamespaces(int pid, String net, String mnt) {}

    /** {@return the namespaces section} */
    public List<ProcessNamespaces> namespaces() {
        List<ProcessNamespaces> out = new ArrayList<>();
        for (String l : section("namespaces")) {
            String[] f = l.split("\\|", 3);
            if (f.length == 3) out.add(new ProcessNamespaces(Integer.parseInt(f[0]), f[1], f[2]));
        }
        return out;
    }

    /** {@return the inode number in a namespace link such as "net:[4026531840]"} */
    public static long namespaceInode(String link) {
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
    }

    /** {@return per namespace link ("mnt:[N]"), the /proc/PID/mounts lines of a process in it} */
    public Map<String, List<String>> namespaceMounts() { return byNamespace("ns-mounts"); }

    /** {@return per namespace link ("net:[N]"), the interface names /proc/PID/net/dev lists} */
    public Map<String, List<String>> namespaceInterfaces() { return byNamespace("ns-interfaces"); }

    private Map<String, List<String>> byNamespace(String section) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String l : section(section)) {
            int bar = l.indexOf('|');
            if (bar > 0) out.computeIfAbsent(l.substring(0, bar), x -> new ArrayList<>()).add(l.substring(bar + 1));
        }
        return out;
    }

    /** {@return the guest's wall clock (UTC seconds) when it printed the report, if it did} */
    public Optional<Long> date() {
        return section("date").isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(section("date").getFirst().strip()));
    }

    /** {@return seconds since boot when it printed the report (the first field of /proc/uptime), if it did} */
    public Optional<Double> uptime() {
        return section("uptime").isEmpty() ? Optional.empty()
                : Optional.of(Double.parseDouble(section("uptime").getFirst().strip().split("\\s+")[0]));
    }

    /** {@return the physical address where the kernel's code starts, from /proc/iomem "Kernel code"} */
    public Optional<Long> kernelCodePhys() {
        for (String l : section("iomem")) {
            if (l.contains("Kernel code")) {
                return Optional.of(Long.parseUnsignedLong(l.strip().split("-")[0], 16));
            }
        }
        return Optional.empty();
    }

    static String hex(byte[] b) { return HexFormat.of().formatHex(b); }
}
