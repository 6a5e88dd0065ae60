package io.chirp.hypervisor.qemu;

import io.chirp.core.CpuState;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses HMP {@code info registers -a}: QMP has no structured register query, so the human monitor's text is the
 * hypervisor's word on vCPU state. It does not pause the VM. It lacks KERNEL_GS_BASE and MSRs such as LSTAR.
 */
public final class HmpRegisters {
    private static final Pattern CPU = Pattern.compile("^CPU#(\\d{1,6})\\b", Pattern.MULTILINE);   // a vCPU index, not any digit run
    private static final Pattern PAIR = Pattern.compile("\\b([A-Z][A-Z0-9]{1,3}) ?=([0-9a-f]{4,16})\\b");
    private static final Pattern SEG = Pattern.compile("^(ES|CS|SS|DS|FS|GS|LDT|TR) ?=([0-9a-f]{4}) ([0-9a-f]{8,16}) ",
            Pattern.MULTILINE);
    private static final Pattern TABLE = Pattern.compile("^(GDT|IDT)= +([0-9a-f]{8,16}) ([0-9a-f]{8})", Pattern.MULTILINE);

    private HmpRegisters() {}

    /** Parses the output of {@code info registers -a} (or of one CPU's {@code info registers}). */
    public static List<CpuState> parse(String text) {
        List<CpuState> out = new ArrayList<>();
        Matcher m = CPU.matcher(text);
        List<int[]> blocks = new ArrayList<>();
        while (m.find()) blocks.add(new int[] {m.start(), Integer.parseInt(m.group(1))});
        if (blocks.isEmpty()) {
            if (text.contains("RIP=")) out.add(parseOne(0, text));
            return out;
        }
        for (int i = 0; i < blocks.size(); i++) {
            int end = i + 1 < blocks.size() ? blocks.get(i + 1)[0] : text.length();
            out.add(parseOne(blocks.get(i)[1], text.substring(blocks.get(i)[0], end)));
        }
        return out;
    }

    private static CpuState parseOne(int vcpu, String block) {
        Map<String, Long> regs = new LinkedHashMap<>();
        for (String line : block.split("\n")) {
            if (SEG.matcher(line).find() || line.startsWith("GDT") || line.startsWith("IDT")) continue;
            Matcher p = PAIR.matcher(line);
            while (p.find()) {
                String k = p.group(1).toLowerCase(Locale.ROOT);
                if (k.startsWith("fp") || k.startsWith("xmm") || k.equals("fcw") || k.equals("fsw") || k.equals("ftw")
                        || k.equals("fop") || k.equals("fip") || k.equals("fdp") || k.equals("fpr")) continue;
                regs.put(k.equals("rfl") ? "rflags" : k, Long.parseUnsignedLong(p.group(2), 16));
            }
        }
        Matcher s = SEG.matcher(block);
        while (s.find()) {
            String seg = s.group(1).toLowerCase(Locale.ROOT);
            regs.put(seg, Long.parseLong(s.group(2), 16));
            regs.put(seg + "_base", Long.parseUnsignedLong(s.group(3), 16));
        }
        Matcher t = TABLE.matcher(block);
        while (t.find()) {
            String k = t.group(1).toLowerCase(Locale.ROOT);
            regs.put(k + "_base", Long.parseUnsignedLong(t.group(2), 16));
            regs.put(k + "_limit", Long.parseLong(t.group(3), 16));
        }
        return new CpuState(vcpu, regs, regs.getOrDefault("rip", 0L), regs.getOrDefault("rflags", 0L),
                opt(regs, "fs_base"), opt(regs, "gs_base"), OptionalLong.empty(),
                opt(regs, "cr0"), opt(regs, "cr2"), opt(regs, "cr3"), opt(regs, "cr4"), opt(regs, "efer"), "qmp:hmp");
    }

    private static OptionalLong opt(Map<String, Long> regs, String k) {
        Long v = regs.get(k);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** Turns gdbstub register values (names from its target description) into a CpuState. */
    public static CpuState fromGdb(int vcpu, Map<String, Long> g) {
        Map<String, Long> regs = new LinkedHashMap<>();
        g.forEach((k, v) -> {
            String n = k.toLowerCase(Locale.ROOT);
            if (!n.startsWith("st") && !n.startsWith("f") || n.equals("fs") || n.equals("fs_base")) regs.put(n, v);
        });
        Long eflags = g.get("eflags");
        if (eflags != null) regs.put("rflags", eflags);
        return new CpuState(vcpu, regs, g.getOrDefault("rip", 0L), eflags == null ? 0 : eflags,
                opt(regs, "fs_base"), opt(regs, "gs_base"), opt(regs, "k_gs_base"),
                opt(regs, "cr0"), opt(regs, "cr2"), opt(regs, "cr3"), opt(regs, "cr4"), opt(regs, "efer"), "gdbstub");
    }
}
