package io.chirp.server;

import io.chirp.hypervisor.Target;
import io.chirp.linux.LinuxKernel;
import io.chirp.tables.MemoryViews;

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
            LinuxKernel k = physical ? null : LinuxKernel.attach(t.memory(), t.cpus());
            long address = c.text("address") != null ? Long.parseUnsignedLong(c.text("address").substring(2), 16)
                    : physical ? 0 : k.info().virtText();
            // the one read with holes the CLI's `read` and the API's memory route use
            MemoryViews.Read r = MemoryViews.read(t, physical ? null : k.kernelSpace(), address, length);
            List<Map<String, Object>> holes = new ArrayList<>();
            for (MemoryViews.Hole h : r.holes()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("start", "0x" + Long.toHexString(h.start()));
                m.put("length", h.length());
                m.put("reason", h.reason());
                holes.add(m);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", "0x" + Long.toHexString(address));
            m.put("space", physical ? "physical" : "virtual");
            m.put("length", length);
            m.put("hex", HexFormat.of().formatHex(r.data()));
            m.put("holes", holes);
            m.put("readable", length - r.holes().stream().mapToLong(MemoryViews.Hole::length).sum());
            return Reply.ok(m);
        }
    }
}
