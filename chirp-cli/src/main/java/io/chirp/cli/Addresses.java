package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.PhysAddr;
import io.chirp.hypervisor.Target;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.PagingMode;

import java.util.List;
import java.util.OptionalLong;

/** Parsing of addresses typed by analysts, and the address space a command should translate in. */
final class Addresses {
    private Addresses() {}

    /** Parses 0x-prefixed hex, plain hex with a-f digits, or decimal; underscores and backquotes are ignored. */
    static long parse(String s) {
        String t = s.strip().replace("_", "").replace("`", "").toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.startsWith("0x")) return Long.parseUnsignedLong(t.substring(2), 16);
            if (t.matches(".*[a-f].*")) return Long.parseUnsignedLong(t, 16);
            return Long.parseUnsignedLong(t);
        } catch (NumberFormatException e) {
            throw ChirpException.usage("not an address: " + s + " (use 0x... for hex)");
        }
    }

    /**
     * The address space of vCPU 0, or of an explicit CR3 (mode taken from vCPU 0's control registers, or
     * x86-64 4-level when the target recorded none).
     */
    static AddressSpace space(Target t, String cr3Text) {
        List<CpuState> cpus = t.cpus();
        CpuState c = cpus.isEmpty() ? null : cpus.getFirst();
        PagingMode mode = PagingMode.X86_64;
        if (c != null && c.cr0().isPresent() && c.cr4().isPresent()) {
            mode = PagingMode.of(c.cr0().getAsLong(), c.cr4().getAsLong(), c.efer());
        }
        long cr3;
        if (cr3Text != null) {
            cr3 = parse(cr3Text);
        } else {
            OptionalLong v = c == null ? OptionalLong.empty() : c.cr3();
            if (v.isEmpty()) throw ChirpException.usage(t.name() + " recorded no CR3: give one with --cr3");
            cr3 = v.getAsLong();
        }
        return AddressSpace.of(t.memory(), mode, new PhysAddr(mode.rootFromCr3(cr3)));
    }
}
