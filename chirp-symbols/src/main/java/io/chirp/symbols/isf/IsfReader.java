package io.chirp.symbols.isf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.core.ChirpException;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.types.BtfType;
import io.chirp.symbols.types.TypeModel;
import org.tukaani.xz.XZInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a Volatility 3 ISF (.json or .json.xz) into the CHIRP symbol and type model, so an analyst's ISF can stand
 * in for kallsyms and BTF. Symbols keep the ISF's link-time addresses; apply the KASLR slide with
 * {@link KernelSymbols#relocated}. ISF files are input from outside: sizes and nesting are bounded.
 */
public final class IsfReader {
    /** More types than any kernel has: a bigger file is hostile. */
    static final int MAX_TYPES = 5_000_000;
    private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};

    /**
     * An ISF's content.
     *
     * @param symbols link-time symbols (type '?': ISF has no symbol types)
     * @param types   the types
     * @param banner  the linux_banner constant, if present
     * @param format  the ISF format version
     */
    public record Isf(KernelSymbols symbols, TypeModel types, Optional<String> banner, String format) {}

    private final List<BtfType> types = new ArrayList<>();
    private final Map<String, Integer> baseIds = new HashMap<>();
    private final Map<String, Integer> userIds = new HashMap<>();
    private final Map<String, Integer> enumIds = new HashMap<>();

    private IsfReader() {}

    /** {@return the ISF in {@code file}, xz-compressed or not} */
    public static Isf read(Path file) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(8);
            byte[] head = raw.readNBytes(6);
            raw.reset();
            InputStream in = java.util.Arrays.equals(head, XZ_MAGIC) ? new XZInputStream(raw) : raw;
            return fromJson(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw ChirpException.io("cannot read ISF " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@return the ISF content of a parsed document} */
    public static Isf fromJson(JsonNode root) {
        if (!root.path("metadata").path("format").isTextual() || !root.path("user_types").isObject()) {
            throw ChirpException.corrupt("not an ISF document (no metadata.format or user_types)");
        }
        IsfReader r = new IsfReader();
        TypeModel model = r.types(root);
        List<Symbol> syms = new ArrayList<>();
        root.path("symbols").properties().forEach(e ->
                syms.add(new Symbol(e.getKey(), e.getValue().path("address").bigIntegerValue().longValue(), '?')));
        Optional<String> banner = Optional.ofNullable(root.path("symbols").path("linux_banner").get("constant_data"))
                .map(n -> new String(Base64.getDecoder().decode(n.asText()), StandardCharsets.ISO_8859_1))
                .map(s -> s.endsWith("\0") ? s.substring(0, s.length() - 1) : s);
        return new Isf(KernelSymbols.of(syms), model, banner, root.path("metadata").path("format").asText());
    }

    private int add(java.util.function.IntFunction<BtfType> make) {
        if (types.size() >= MAX_TYPES) throw ChirpException.corrupt("ISF has more than " + MAX_TYPES + " types");
        int id = types.size();
        types.add(make.apply(id));
        return id;
    }

    private TypeModel types(JsonNode root) {
        add(BtfType.VoidType::new);
        baseIds.put("void", 0);
        root.path("base_types").properties().forEach(e -> {
            if (baseIds.containsKey(e.getKey())) return;
            JsonNode b = e.getValue();
            int size = b.path("size").asInt();
            String kind = b.path("kind").asText();
            baseIds.put(e.getKey(), add(id -> kind.equals("float") ? new BtfType.FloatType(id, e.getKey(), size)
                    : new BtfType.IntType(id, e.getKey(), size, b.path("signed").asBoolean(), kind.equals("char"),
                    kind.equals("bool"), 0, size * 8)));
        });
        // Reserve ids for every user type first: fields refer to each other by name, in any order.
        List<Map.Entry<String, JsonNode>> users = new ArrayList<>(root.path("user_types").properties());
        for (Map.Entry<String, JsonNode> e : users) userIds.put(e.getKey(), add(id -> null));
        root.path("enums").properties().forEach(e -> {
            JsonNode en = e.getValue();
            List<BtfType.Enumerator> values = new ArrayList<>();
            en.path("constants").properties().forEach(c -> values.add(new BtfType.Enumerator(c.getKey(), c.getValue().asLong())));
            boolean signed = root.path("base_types").path(en.path("base").asText()).path("signed").asBoolean();
            enumIds.put(e.getKey(), add(id -> new BtfType.EnumType(id, e.getKey(), en.path("size").asInt(), signed, values)));
        });
        for (Map.Entry<String, JsonNode> e : users) {
            JsonNode u = e.getValue();
            List<BtfType.Member> members = new ArrayList<>();
            u.path("fields").properties().forEach(f -> {
                JsonNode fd = f.getValue();
                if (fd.path("anonymous").asBoolean()) return; // its members were lifted into this type
                long off = fd.path("offset").asLong();
                JsonNode t = fd.path("type");
                if (t.path("kind").asText().equals("bitfield")) {
                    members.add(new BtfType.Member(f.getKey(), type(t.path("type"), 0),
                            off * 8 + t.path("bit_position").asLong(), t.path("bit_length").asInt()));
                } else {
                    members.add(new BtfType.Member(f.getKey(), type(t, 0), off * 8, 0));
                }
            });
            members.sort(java.util.Comparator.comparingLong(BtfType.Member::bitOffset));
            int id = userIds.get(e.getKey());
            types.set(id, new BtfType.Struct(id, e.getKey(), u.path("kind").asText().equals("union"),
                    u.path("size").asLong(), members));
        }
        return TypeModel.of(types);
    }

    private int type(JsonNode d, int depth) {
        if (depth > IsfTypes.MAX_DESCRIPTOR_DEPTH) throw ChirpException.corrupt("ISF type descriptor nested too deep");
        String name = d.path("name").asText();
        return switch (d.path("kind").asText()) {
            case "base" -> baseIds.getOrDefault(name, 0);
            case "struct", "union", "class" -> {
                Integer id = userIds.get(name);
                if (id == null) throw ChirpException.corrupt("ISF refers to missing user type " + name);
                yield id;
            }
            case "enum" -> enumIds.getOrDefault(name, 0);
            case "pointer" -> {
                int target = type(d.path("subtype"), depth + 1);
                yield add(id -> new BtfType.Ptr(id, target));
            }
            case "array" -> {
                int elem = type(d.path("subtype"), depth + 1);
                yield add(id -> new BtfType.Array(id, elem, 0, d.path("count").asLong()));
            }
            case "function" -> add(id -> new BtfType.FuncProto(id, 0, List.of()));
            default -> throw ChirpException.corrupt("unknown ISF type kind " + d.path("kind"));
        };
    }
}
