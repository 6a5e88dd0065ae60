package io.chirp.symbols.isf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.types.BtfType;
import io.chirp.symbols.types.BtfType.Struct;
import io.chirp.symbols.types.TypeModel;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes a Volatility 3 ISF for a Linux kernel from a symbol table and a type model. The type descriptors
 * themselves are built by {@link IsfTypes}.
 */
public final class IsfWriter {
    public static final String FORMAT = "6.2.0";
    public static final String PRODUCER = "chirp";
    /** The ISF schema (6.3.0) allows only MAJOR.MINOR.PATCH here; the full version goes in {@code chirp_version}. */
    public static final String PRODUCER_VERSION = io.chirp.core.ChirpVersion.current().release();
    /** Addresses at or above this are in the kernel image and move with the virtual KASLR slide. */
    static final long IMAGE_START = 0xffffffff80000000L;
    /**
     * BTF describes only per-CPU variables; Volatility's plugins need typed globals (pslist starts from
     * init_task), so the well-known ones get their type from here.
     */
    static final Map<String, String> KNOWN_SYMBOL_TYPES = Map.of(
            "init_task", "task_struct", "init_mm", "mm_struct", "modules", "list_head", "init_net", "net",
            "init_files", "files_struct", "init_nsproxy", "nsproxy", "init_pid_ns", "pid_namespace",
            "init_uts_ns", "uts_namespace", "super_blocks", "list_head");

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private IsfWriter() {}

    /**
     * {@return the ISF document}
     *
     * @param symbols   runtime symbols
     * @param types     the kernel types
     * @param banner    the linux_banner string (without NUL); Volatility identifies kernels by it
     * @param virtSlide the virtual KASLR slide to remove from image addresses (0 for a link-time table)
     */
    public static ObjectNode toJson(KernelSymbols symbols, TypeModel types, String banner, long virtSlide) {
        ObjectNode root = F.objectNode();
        ObjectNode meta = root.putObject("metadata");
        meta.put("format", FORMAT);
        ObjectNode producer = meta.putObject("producer");
        producer.put("name", PRODUCER).put("version", PRODUCER_VERSION)
                .put("datetime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
                .put("chirp_version", io.chirp.core.ChirpVersion.current().toString());
        ArrayNode sources = meta.putObject("linux").putArray("symbols");
        sources.addObject().put("kind", "symtab").put("name", "kallsyms");

        IsfTypes isfTypes = new IsfTypes(types);
        root.set("base_types", isfTypes.baseTypes());
        root.set("user_types", isfTypes.userTypes());
        root.set("enums", isfTypes.enums());
        root.set("base_types", isfTypes.baseTypes()); // enums may have added base types
        root.set("symbols", symbols(symbols, types, isfTypes, banner, virtSlide));
        return root;
    }

    /** Writes {@link #toJson} to {@code out} (not closed). */
    public static void write(OutputStream out, KernelSymbols symbols, TypeModel types, String banner, long virtSlide)
            throws IOException {
        new ObjectMapper().writeValue(new NonClosing(out), toJson(symbols, types, banner, virtSlide));
    }

    private static ObjectNode symbols(KernelSymbols symbols, TypeModel types, IsfTypes isfTypes, String banner,
                                      long virtSlide) {
        Map<String, Integer> varTypes = new java.util.HashMap<>();
        for (int id = 0; id < types.count(); id++) {
            if (types.type(id) instanceof BtfType.Var v) varTypes.putIfAbsent(v.name(), v.type());
        }
        ObjectNode out = F.objectNode();
        Set<String> seen = new HashSet<>();
        for (Symbol s : symbols.all()) {
            if (!seen.add(s.name())) continue; // duplicates: the lowest address, as /proc/kallsyms lists first
            ObjectNode sym = out.putObject(s.name());
            long a = Long.compareUnsigned(s.address(), IMAGE_START) >= 0 ? s.address() - virtSlide : s.address();
            sym.put("address", new BigInteger(Long.toUnsignedString(a)));
            Integer t = varTypes.get(s.name());
            if (t != null) {
                sym.set("type", isfTypes.descriptor(t));
            } else if (KNOWN_SYMBOL_TYPES.containsKey(s.name())) {
                types.findStruct(KNOWN_SYMBOL_TYPES.get(s.name()))
                        .ifPresent((Struct st) -> sym.set("type", isfTypes.descriptor(st.id())));
            }
        }
        if (out.has("linux_banner")) {
            // Volatility matches banners found in memory including their terminating NUL.
            byte[] b = (banner + "\0").getBytes(StandardCharsets.ISO_8859_1);
            ((ObjectNode) out.get("linux_banner")).put("constant_data", Base64.getEncoder().encodeToString(b));
        }
        return out;
    }

    /** Jackson closes the stream it writes to; the caller owns it. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) { super(out); }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override public void close() throws IOException { flush(); }
    }
}
