package io.chirp.server;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.Target;
import io.chirp.linux.LinuxKernel;
import io.chirp.core.PhysicalMemory;
import io.chirp.paging.MappedBytes;
import io.chirp.core.VirtAddr;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.chirp.server.Param.In.QUERY;
import static io.chirp.server.Role.VIEWER;

/**
 * The few operations the web console needs that the main route table ({@link Api}) does not have yet, declared the
 * same way (role, audit, validated parameters) and published in the same OpenAPI document. Kept apart so the table
 * can absorb them as it grows.
 */
final class ConsoleRoutes {
    /** Largest read of the hex view. */
    static final int MAX_READ = 4096;
    private static final int PAGE = 4096;

    private ConsoleRoutes() {}

    static List<Route> routes() {
        return List.of(new Route("GET", "/api/vms/{vm}/hexview", "readMemoryHexView", "vms", VIEWER, true,
                "Bytes of guest memory for the console's hex view: kernel-virtual (the kernel's own page tables) or "
                        + "physical; unreadable runs are listed and zero-filled",
                List.of(Param.vm(),
                        Param.text("address", QUERY, false, "first address, 0x-hex (default: the kernel's text)",
                                "0x[0-9a-fA-F]{1,16}", 18),
                        Param.integer("length", QUERY, "bytes to read", 1, MAX_READ, 256L),
                        Param.choice("space", QUERY, false, "virtual (kernel) or physical", "virtual", List.of("virtual", "physical"))),
                Route.Response.json(null, "address, length, hex of the bytes, and the holes"), null, ConsoleRoutes::read));
    }

    private static Reply read(Call c) {
        int length = c.integer("length");
        boolean physical = c.text("space").equals("physical");
        try (Target t = Target.vm(c.require("vm"))) {
            byte[] bytes;
            List<Map<String, Object>> holes = new ArrayList<>();
            long address;
            if (physical) {
                address = c.text("address") == null ? 0 : Long.parseUnsignedLong(c.text("address").substring(2), 16);
                checkRange(address, length);
                bytes = new byte[length];
                readPhysical(t.memory(), address, bytes, holes);
            } else {
                LinuxKernel k = LinuxKernel.attach(t.memory(), t.cpus());
                address = c.text("address") == null ? k.info().virtText() : Long.parseUnsignedLong(c.text("address").substring(2), 16);
                checkRange(address, length);
                MappedBytes mb = k.kernelSpace().readMapped(new VirtAddr(address), length);
                bytes = mb.bytes();
                for (MappedBytes.Hole h : mb.holes()) holes.add(hole(h.start().value(), h.length(), h.reason()));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", "0x" + Long.toHexString(address));
            m.put("space", physical ? "physical" : "virtual");
            m.put("length", length);
            m.put("hex", HexFormat.of().formatHex(bytes));
            m.put("holes", holes);
            m.put("readable", length - holes.stream().mapToLong(h -> (Long) h.get("length")).sum());
            return Reply.ok(m);
        }
    }

    private static void checkRange(long address, int length) {
        if (Long.compareUnsigned(address + length, address) < 0) throw ChirpException.usage("address + length is past the end of the address space");
    }

    /** Page by page, so one unbacked page (an MMIO gap, past the end of RAM) is a hole and not a failed read. */
    private static void readPhysical(PhysicalMemory mem, long address, byte[] out, List<Map<String, Object>> holes) {
        MemorySegment dst = MemorySegment.ofArray(out);
        long done = 0;
        while (done < out.length) {
            long cur = address + done;
            long n = Math.min(out.length - done, PAGE - (cur & (PAGE - 1)));
            try {
                mem.read(cur, dst, done, n);
            } catch (ChirpException e) {
                holes.add(hole(cur, n, e.getMessage()));
            }
            done += n;
        }
    }

    private static Map<String, Object> hole(long start, long length, String reason) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("start", "0x" + Long.toHexString(start));
        h.put("length", length);
        h.put("reason", reason);
        return h;
    }
}
