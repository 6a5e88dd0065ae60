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
