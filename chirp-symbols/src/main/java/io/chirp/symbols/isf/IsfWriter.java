package io.chirp.symbols.isf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.VirtAddr;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.kernel.KernelInfo;
import io.chirp.symbols.types.BtfType;
import io.chirp.symbols.types.TypeModel;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Writes a Volatility 3 ISF for a Linux kernel from a symbol table and a type model. The type descriptors
 * themselves are built by {@link IsfTypes}; data symbols get their types from BTF's VARs and, for the ones
 * Volatility's plugins read, from the checked table in {@link DataSymbols}.
 */
public final class IsfWriter {
    public static final String FORMAT = "6.2.0";
    public static final String PRODUCER = "chirp";
    /** The ISF schema (6.3.0) allows only MAJOR.MINOR.PATCH here; the full version goes in {@code chirp_version}. */
    public static final String PRODUCER_VERSION = io.chirp.core.ChirpVersion.current().release();
    /** Addresses at or above this are in the kernel image and move with the virtual KASLR slide. */
    static final long IMAGE_START = 0xffffffff80000000L;

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private IsfWriter() {}

    /**
     * An export: the ISF document and the declared symbol types left out because they failed their checks
     * against this kernel (the document is then usable but those symbols have no type).
     */
    public record Export(ObjectNode isf, List<String> warnings) {
        public Export { warnings = List.copyOf(warnings); }
    }

    /**
     * A cancel flag an export looks at between types, symbols and output chunks (a job's cancel must not wait for
     * the end of an export that reports no progress). Set, it stops the export with
     * {@link ChirpException.Kind#INTERRUPTED}.
     */
    public record Cancel(BooleanSupplier requested) {
        /** An export nobody cancels (the CLI: Ctrl-C ends the process). */
        public static final Cancel NEVER = new Cancel(() -> false);
        /** Loop steps between two looks at the flag. */
        static final int EVERY = 1024;

        /** Throws if cancellation was asked for. */
        public void check() {
            if (requested.getAsBoolean()) throw new ChirpException(ChirpException.Kind.INTERRUPTED, "ISF export cancelled");
        }

        /** {@link #check()} on every {@value #EVERY}th step of a loop. */
        void every(int step) {
            if (step % EVERY == 0) check();
        }
    }

    /**
     * {@return the ISF of a located kernel} Declared symbol types ({@link DataSymbols}) are checked against
     * {@code memory}, which is only read.
     */
    public static Export export(KernelInfo k, PhysicalMemory memory) { return export(k, memory, Cancel.NEVER); }

    /** {@link #export(KernelInfo, PhysicalMemory)}, stopping once {@code cancel} is set. */
    public static Export export(KernelInfo k, PhysicalMemory memory, Cancel cancel) {
        return toJson(k.symbols(), k.types(), k.banner(), k.virtSlide(), va -> {
            if (!k.inImage(va) || !k.inImage(va + 7)) return OptionalLong.empty();
            long pa = k.kernelImagePhys(VirtAddr.of(va)).value();
            return memory.isBacked(pa, 8) ? OptionalLong.of(memory.readLong(pa)) : OptionalLong.empty();
        }, cancel);
    }

    /** Writes {@link #export}'s document to {@code out} (not closed) and returns the export. */
    public static Export write(OutputStream out, KernelInfo k, PhysicalMemory memory) throws IOException {
        return write(out, k, memory, Cancel.NEVER);
    }

    /** {@link #write(OutputStream, KernelInfo, PhysicalMemory)}, stopping once {@code cancel} is set (also between output chunks). */
    public static Export write(OutputStream out, KernelInfo k, PhysicalMemory memory, Cancel cancel) throws IOException {
        Export e = export(k, memory, cancel);
        writeJson(out, e, cancel);
        return e;
    }

    /**
     * Writes an export made without guest memory ({@link #toJson(KernelSymbols, TypeModel, String, long)}) to
     * {@code out} (not closed), stopping once {@code cancel} is set, between types, symbols and output chunks.
     */
    public static Export write(OutputStream out, KernelSymbols symbols, TypeModel types, String banner, long virtSlide,
                               Cancel cancel) throws IOException {
        Export e = toJson(symbols, types, banner, virtSlide, DataSymbols.ImageReader.NONE, cancel);
        writeJson(out, e, cancel);
        return e;
    }

    private static void writeJson(OutputStream out, Export e, Cancel cancel) throws IOException {
        cancel.check();
        new ObjectMapper().writeValue(new NonClosing(out, cancel), e.isf());
    }

    /**
     * {@return the ISF document, without guest memory to check declared types against (those that need a memory
     * check are left out with a warning)}
     *
     * @param symbols   runtime symbols
     * @param types     the kernel types
     * @param banner    the linux_banner string (without NUL); Volatility identifies kernels by it
     * @param virtSlide the virtual KASLR slide to remove from image addresses (0 for a link-time table)
     */
    public static Export toJson(KernelSymbols symbols, TypeModel types, String banner, long virtSlide) {
        return toJson(symbols, types, banner, virtSlide, DataSymbols.ImageReader.NONE, Cancel.NEVER);
    }

    static Export toJson(KernelSymbols symbols, TypeModel types, String banner, long virtSlide,
                         DataSymbols.ImageReader image) {
        return toJson(symbols, types, banner, virtSlide, image, Cancel.NEVER);
    }

    static Export toJson(KernelSymbols symbols, TypeModel types, String banner, long virtSlide,
                         DataSymbols.ImageReader image, Cancel cancel) {
        cancel.check();
        ObjectNode root = F.objectNode();
        ObjectNode meta = root.putObject("metadata");
        meta.put("format", FORMAT);
        ObjectNode producer = meta.putObject("producer");
        producer.put("name", PRODUCER).put("version", PRODUCER_VERSION)
                .put("datetime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
                .put("chirp_version", io.chirp.core.ChirpVersion.current().toString());
        ArrayNode sources = meta.putObject("linux").putArray("symbols");
        sources.addObject().put("kind", "symtab").put("name", "kallsyms");

        IsfTypes isfTypes = new IsfTypes(types, cancel);
        root.set("base_types", isfTypes.baseTypes());
        root.set("user_types", isfTypes.userTypes());
        root.set("enums", isfTypes.enums());
        List<String> warnings = new ArrayList<>();
        root.set("symbols", symbols(symbols, types, isfTypes, banner, virtSlide, image, warnings, cancel));
        root.set("base_types", isfTypes.baseTypes()); // enums and symbols may have added base types
        return new Export(root, warnings);
    }

    private static ObjectNode symbols(KernelSymbols symbols, TypeModel types, IsfTypes isfTypes, String banner,
                                      long virtSlide, DataSymbols.ImageReader image, List<String> warnings,
                                      Cancel cancel) {
        // BTF's own VARs first (per-CPU variables, and any other DATASEC the kernel emitted): they are the
        // compiler's word; the declared table only fills in what BTF does not say.
        Map<String, ObjectNode> typed = new HashMap<>();
        for (int id = 0; id < types.count(); id++) {
            cancel.every(id);
            if (types.type(id) instanceof BtfType.Var v && !typed.containsKey(v.name())) {
                typed.put(v.name(), isfTypes.descriptor(v.type()));
            }
        }
        for (DataSymbols.Declared d : DataSymbols.TABLE) {
            if (typed.containsKey(d.symbol())) continue;
            switch (DataSymbols.check(d, symbols, types, image).orElse(null)) {
                case null -> { } // not in this kernel
                case DataSymbols.Outcome.Typed t -> typed.put(d.symbol(), descriptor(isfTypes, t));
                case DataSymbols.Outcome.Rejected r -> warnings.add("symbol " + r.symbol() + " left without a type ("
                        + d.type() + "): " + r.why());
            }
        }
        ObjectNode out = F.objectNode();
        Set<String> seen = new HashSet<>();
        int n = 0;
        for (Symbol s : symbols.all()) {
            cancel.every(n++);
            if (!seen.add(s.name())) continue; // duplicates: the lowest address, as /proc/kallsyms lists first
            ObjectNode sym = out.putObject(s.name());
            long a = Long.compareUnsigned(s.address(), IMAGE_START) >= 0 ? s.address() - virtSlide : s.address();
            sym.put("address", new BigInteger(Long.toUnsignedString(a)));
            ObjectNode t = typed.get(s.name());
            if (t != null) sym.set("type", t);
        }
        if (out.has("linux_banner")) {
            // Volatility matches banners found in memory including their terminating NUL.
            byte[] b = (banner + "\0").getBytes(StandardCharsets.ISO_8859_1);
            ((ObjectNode) out.get("linux_banner")).put("constant_data", Base64.getEncoder().encodeToString(b));
        }
        return out;
    }

    /** Pointer levels wrap the named type first, then the array: {@code *x[4]} is four pointers. */
    private static ObjectNode descriptor(IsfTypes isfTypes, DataSymbols.Outcome.Typed t) {
        ObjectNode d = isfTypes.descriptor(t.typeId());
        for (int i = 0; i < t.pointerLevels(); i++) {
            ObjectNode p = F.objectNode().put("kind", "pointer");
            p.set("subtype", d);
            d = p;
        }
        if (t.arrayCount() >= 0) {
            ObjectNode a = F.objectNode().put("kind", "array").put("count", t.arrayCount());
            a.set("subtype", d);
            d = a;
        }
        return d;
    }

    /** Jackson closes the stream it writes to; the caller owns it. Each chunk Jackson writes is a cancellation point. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        private final Cancel cancel;

        NonClosing(OutputStream out, Cancel cancel) {
            super(out);
            this.cancel = cancel;
        }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            cancel.check();
            out.write(b, off, len);
        }

        @Override public void close() throws IOException { flush(); }
    }
}
