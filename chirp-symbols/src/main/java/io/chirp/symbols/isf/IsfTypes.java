package io.chirp.symbols.isf;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.symbols.types.BtfType;
import io.chirp.symbols.types.BtfType.Member;
import io.chirp.symbols.types.BtfType.Struct;
import io.chirp.symbols.types.TypeModel;

import java.util.HashMap;
import java.util.Map;

/**
 * Turns a {@link TypeModel} into ISF's four type tables and its type descriptors. ISF names every user type and
 * enum, so anonymous ones get the name of the typedef that names them, else stable synthetic names
 * ({@code unnamed_struct_<id>}); typedefs and qualifiers are resolved away because ISF has none.
 */
final class IsfTypes {
    /** Descriptors nest through pointers and arrays; deeper than this is a hostile or broken model. */
    static final int MAX_DESCRIPTOR_DEPTH = 32;
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final TypeModel types;
    private final ObjectNode baseTypes = F.objectNode();
    private final Map<Integer, String> userNames = new HashMap<>();
    private final Map<Integer, String> enumNames = new HashMap<>();
    private final IsfWriter.Cancel cancel;

    IsfTypes(TypeModel types) { this(types, IsfWriter.Cancel.NEVER); }

    IsfTypes(TypeModel types, IsfWriter.Cancel cancel) {
        this.types = types;
        this.cancel = cancel;
        base("void", 0, false, "void");
        base("pointer", 8, false, "int");
        for (int id = 0; id < types.count(); id++) {
            cancel.every(id);
            switch (types.type(id)) {
                case BtfType.IntType i -> base(i.name(), i.size(), i.signed(),
                        i.isBool() ? "bool" : i.isChar() ? "char" : "int");
                case BtfType.FloatType f -> base(f.name(), f.size(), true, "float");
                case Struct s -> userNames.put(id, canonicalName(s));
                case BtfType.EnumType e -> enumNames.put(id, e.name().isEmpty() ? "unnamed_enum_" + id : e.name());
                default -> { }
            }
        }
        nameAnonymousByTypedef();
    }

    /**
     * An anonymous struct, union or enum that a typedef names ({@code typedef struct { u64 val; } kernel_cap_t;}
     * since 6.3) is named after the typedef, as dwarf2json does: Volatility 3 attaches its helper classes by these
     * names ({@code kernel_cap_t}). The first typedef wins; a name some tagged type already has is not reused.
     */
    private void nameAnonymousByTypedef() {
        java.util.Set<String> taken = new java.util.HashSet<>(userNames.values());
        taken.addAll(enumNames.values());
        for (int id = 0; id < types.count(); id++) {
            cancel.every(id);
            if (!(types.type(id) instanceof BtfType.Typedef t) || t.name().isEmpty() || taken.contains(t.name())) continue;
            if (t.target() <= 0 || t.target() >= types.count()) continue;
            switch (types.type(t.target())) {
                case Struct s when s.name().isEmpty() && userNames.get(s.id()).startsWith("unnamed_") -> {
                    userNames.put(s.id(), t.name());
                    taken.add(t.name());
                }
                case BtfType.EnumType e when e.name().isEmpty() && enumNames.get(e.id()).startsWith("unnamed_") -> {
                    enumNames.put(e.id(), t.name());
                    taken.add(t.name());
                }
                default -> { }
            }
        }
    }

    /** Duplicate struct names all point to the definition {@link TypeModel#findStruct} picks. */
    private String canonicalName(Struct s) {
        if (s.name().isEmpty()) return (s.union() ? "unnamed_union_" : "unnamed_struct_") + s.id();
        return s.name();
    }

    private void base(String name, long size, boolean signed, String kind) {
        if (name.isEmpty() || baseTypes.has(name)) return;
        baseTypes.putObject(name).put("size", size).put("signed", signed).put("kind", kind).put("endian", "little");
    }

    ObjectNode baseTypes() { return baseTypes; }

    ObjectNode userTypes() {
        ObjectNode out = F.objectNode();
        for (int id = 0; id < types.count(); id++) {
            cancel.every(id);
            if (!(types.type(id) instanceof Struct s)) continue;
            String name = userNames.get(id);
            if (out.has(name)) continue;
            if (!s.name().isEmpty() && types.findStruct(s.name()).map(c -> c.id() != s.id()).orElse(false)) continue;
            ObjectNode ut = out.putObject(name);
            ut.put("kind", s.union() ? "union" : "struct").put("size", s.size());
            addFields(ut.putObject("fields"), s, 0, 0);
        }
        // Forward declarations that never get a body still need an entry for descriptors to point at.
        for (int id = 0; id < types.count(); id++) {
            if (types.type(id) instanceof BtfType.Fwd f && !f.name().isEmpty() && !out.has(f.name())) {
                out.putObject(f.name()).put("kind", f.union() ? "union" : "struct").put("size", 0).putObject("fields");
            }
        }
        return out;
    }

    /** Adds {@code s}'s members; members of anonymous structs/unions are also lifted, as C lets code name them. */
    private void addFields(ObjectNode fields, Struct s, long baseBits, int depth) {
        if (depth > MAX_DESCRIPTOR_DEPTH) throw ChirpException.corrupt("anonymous nesting too deep in " + s.name());
        int anon = 0;
        for (Member m : s.members()) {
            long bits = baseBits + m.bitOffset();
            if (m.name().isEmpty()) {
                String name = "unnamed_field_" + Long.toHexString(bits >>> 3) + (anon++ == 0 ? "" : "_" + anon);
                if (depth == 0) {
                    ObjectNode f = fields.putObject(name).put("anonymous", true);
                    f.set("type", descriptor(m.type()));
                    f.put("offset", bits >>> 3);
                }
                if (types.resolve(m.type()) instanceof Struct inner) addFields(fields, inner, bits, depth + 1);
                continue;
            }
            if (fields.has(m.name())) continue;
            ObjectNode f = fields.putObject(m.name());
            if (m.bitfieldSize() != 0) bitfield(f, m, bits);
            else {
                f.set("type", descriptor(m.type()));
                f.put("offset", bits >>> 3);
            }
        }
    }

    /** Volatility reads a bitfield's storage unit (its base type's size) at offset, then shifts by position. */
    private void bitfield(ObjectNode f, Member m, long bits) {
        long unit = Math.max(1, types.sizeOf(m.type()));
        long unitBits = unit * 8;
        long offset = bits / unitBits * unit;
        long pos = bits - offset * 8;
        if (pos + m.bitfieldSize() > unitBits) { // straddles a unit boundary: address from its first byte
            offset = bits >>> 3;
            pos = bits & 7;
        }
        ObjectNode d = f.putObject("type").put("kind", "bitfield").put("bit_position", pos)
                .put("bit_length", m.bitfieldSize());
        ObjectNode inner = descriptor(m.type());
        if (!inner.path("kind").asText().matches("base|enum")) inner = F.objectNode().put("kind", "base").put("name", "int");
        d.set("type", inner);
        f.put("offset", offset);
    }

    ObjectNode enums() {
        ObjectNode out = F.objectNode();
        int n = 0;
        for (Map.Entry<Integer, String> e : enumNames.entrySet()) {
            cancel.every(n++);
            BtfType.EnumType t = (BtfType.EnumType) types.type(e.getKey());
            if (out.has(e.getValue())) continue;
            ObjectNode en = out.putObject(e.getValue()).put("size", t.size()).put("base", enumBase(t.size(), t.signed()));
            ObjectNode constants = en.putObject("constants");
            for (BtfType.Enumerator v : t.values()) constants.put(v.name(), v.value());
        }
        return out;
    }

    private String enumBase(int size, boolean signed) {
        String name = switch (size) {
            case 1 -> signed ? "signed char" : "unsigned char";
            case 2 -> signed ? "short int" : "short unsigned int";
            case 8 -> signed ? "long int" : "long unsigned int";
            default -> signed ? "int" : "unsigned int";
        };
        base(name, size, signed, "int");
        return name;
    }

    ObjectNode descriptor(int id) { return descriptor(id, 0); }

    private ObjectNode descriptor(int id, int depth) {
        if (depth > MAX_DESCRIPTOR_DEPTH) return F.objectNode().put("kind", "base").put("name", "void");
        return switch (types.resolve(id)) {
            case BtfType.IntType i -> F.objectNode().put("kind", "base").put("name", i.name());
            case BtfType.FloatType f -> F.objectNode().put("kind", "base").put("name", f.name());
            case BtfType.Ptr p -> {
                ObjectNode d = F.objectNode().put("kind", "pointer");
                d.set("subtype", descriptor(p.target(), depth + 1));
                yield d;
            }
            case BtfType.Array a -> {
                ObjectNode d = F.objectNode().put("kind", "array").put("count", a.count());
                d.set("subtype", descriptor(a.elemType(), depth + 1));
                yield d;
            }
            case Struct s -> F.objectNode().put("kind", s.union() ? "union" : "struct").put("name", structName(s));
            case BtfType.Fwd f -> F.objectNode().put("kind", f.union() ? "union" : "struct").put("name", f.name());
            case BtfType.EnumType e -> F.objectNode().put("kind", "enum").put("name", enumNames.get(e.id()));
            case BtfType.FuncProto fp -> F.objectNode().put("kind", "function");
            case BtfType.Func fn -> F.objectNode().put("kind", "function");
            default -> F.objectNode().put("kind", "base").put("name", "void");
        };
    }

    private String structName(Struct s) {
        if (s.name().isEmpty()) return userNames.get(s.id());
        return s.name();
    }
}
