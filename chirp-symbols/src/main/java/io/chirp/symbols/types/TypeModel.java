package io.chirp.symbols.types;

import io.chirp.core.ChirpException;
import io.chirp.symbols.types.BtfType.Array;
import io.chirp.symbols.types.BtfType.EnumType;
import io.chirp.symbols.types.BtfType.FloatType;
import io.chirp.symbols.types.BtfType.IntType;
import io.chirp.symbols.types.BtfType.Member;
import io.chirp.symbols.types.BtfType.Modifier;
import io.chirp.symbols.types.BtfType.Ptr;
import io.chirp.symbols.types.BtfType.Struct;
import io.chirp.symbols.types.BtfType.Typedef;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable set of C types indexed by id and by name, with the lookups kernel walkers need.
 *
 * <p>Type graphs from the guest may be hostile (typedef loops, absurd array counts): every chain walk is bounded
 * by {@link #MAX_DEPTH} and ends in a {@link ChirpException} of kind CORRUPT rather than a stack overflow.
 */
public final class TypeModel {
    /** Deeper chains of typedefs/qualifiers/nesting than this do not occur in real kernels. */
    public static final int MAX_DEPTH = 64;

    private final TypeModel base;
    private final int firstId;
    private final List<BtfType> types;
    private final Map<String, Integer> structsByName;
    private final Map<String, Integer> namedByName;
    /** Lazy models only: the ids (ascending) of the indexable types called a name; null for an eager model. */
    private final java.util.function.Function<String, int[]> idsNamed;

    /**
     * A model over types parsed on first use ({@link #lazy}). Name lookups ask {@code idsNamed} for every
     * candidate id and apply the same rules as the eager model (first complete struct beats a union and a
     * declaration; otherwise the first named type).
     */
    private TypeModel(int count, java.util.function.IntFunction<BtfType> parse,
                      java.util.function.Function<String, int[]> idsNamed) {
        this.base = null;
        this.firstId = 0;
        BtfType[] parsed = new BtfType[count];
        this.types = new java.util.AbstractList<>() {
            @Override public BtfType get(int i) {
                java.util.Objects.checkIndex(i, count);
                BtfType t = parsed[i];
                if (t == null) {
                    // Records are immutable (final fields): a racing parse of the same id stores an equal value.
                    t = parse.apply(i);
                    if (t.id() != i) throw ChirpException.corrupt("BTF type at index " + i + " has id " + t.id());
                    parsed[i] = t;
                }
                return t;
            }

            @Override public int size() { return count; }
        };
        this.structsByName = Map.of();
        this.namedByName = Map.of();
        this.idsNamed = idsNamed;
    }

    /**
     * {@return a standalone model of {@code count} types (id 0 is void) that parses each type on first use}
     * {@code idsNamed} gives, for a name, the ids of the types that may be found by it (every kind but functions,
     * variables, declaration tags and qualifiers), ascending; it may over-report, never under-report.
     */
    public static TypeModel lazy(int count, java.util.function.IntFunction<BtfType> parse,
                                 java.util.function.Function<String, int[]> idsNamed) {
        return new TypeModel(count, parse, idsNamed);
    }

    private Integer lazyStruct(String name) {
        if (name.isEmpty()) return null; // anonymous types are never found by name (as in the eager model)
        Integer best = null;
        for (int id : idsNamed.apply(name)) {
            if (type(id) instanceof Struct s && s.name().equals(name)) best = best == null ? id : preferStruct(best, id);
        }
        return best;
    }

    private Integer lazyNamed(String name) {
        if (name.isEmpty()) return null;
        for (int id : idsNamed.apply(name)) {
            BtfType t = type(id);
            if (t.name().equals(name) && !(t instanceof BtfType.Func || t instanceof BtfType.Var
                    || t instanceof BtfType.DeclTag || t instanceof Modifier)) return id;
        }
        return null;
    }

    private TypeModel(TypeModel base, List<BtfType> types) {
        this.base = base;
        this.firstId = base == null ? 0 : base.count();
        this.types = List.copyOf(types);
        for (int i = 0; i < this.types.size(); i++) {
            if (this.types.get(i).id() != firstId + i) {
                throw new IllegalArgumentException("type at index " + i + " has id " + this.types.get(i).id());
            }
        }
        Map<String, Integer> structs = new HashMap<>();
        Map<String, Integer> named = new HashMap<>();
        for (BtfType t : this.types) {
            if (t.name().isEmpty() || t instanceof BtfType.Func || t instanceof BtfType.Var
                    || t instanceof BtfType.DeclTag || t instanceof Modifier) continue;
            if (t instanceof Struct s) {
                // First complete definition wins; a struct beats a union of the same name (e.g. "struct x" / "union x").
                structs.merge(s.name(), s.id(), (old, add) -> preferStruct(old, add));
            }
            named.putIfAbsent(t.name(), t.id());
        }
        this.structsByName = structs;
        this.namedByName = named;
        this.idsNamed = null;
    }

    private Integer preferStruct(Integer old, Integer add) {
        Struct o = (Struct) type(old);
        Struct a = (Struct) type(add);
        if (o.union() && !a.union()) return add;
        if (o.members().isEmpty() && !a.members().isEmpty()) return add;
        return old;
    }

    /** {@return a model of {@code types}, where {@code types.get(i).id() == i}} */
    public static TypeModel of(List<BtfType> types) { return new TypeModel(null, types); }

    /** {@return a split model (a module's BTF) whose ids continue after {@code base}'s} */
    public static TypeModel split(TypeModel base, List<BtfType> types) { return new TypeModel(base, types); }

    /** {@return the number of ids this model answers for (base included)} */
    public int count() { return firstId + types.size(); }

    /** {@return the base model of a split model} */
    public Optional<TypeModel> base() { return Optional.ofNullable(base); }

    /** {@return the types defined by this model itself (not its base), by id} */
    public List<BtfType> ownTypes() { return Collections.unmodifiableList(types); }

    /**
     * {@return the type with this id}
     *
     * @throws ChirpException CORRUPT if the id is out of range (a dangling reference in the type data)
     */
    public BtfType type(int id) {
        if (id >= firstId && id < count()) return types.get(id - firstId);
        if (base != null && id >= 0 && id < firstId) return base.type(id);
        throw ChirpException.corrupt("type id " + id + " out of range [0, " + count() + ")");
    }

    /** {@return the struct or union called {@code name}, if any (this model first, then its base)} */
    public Optional<Struct> findStruct(String name) {
        Integer id = idsNamed != null ? lazyStruct(name) : structsByName.get(name);
        if (id != null) return Optional.of((Struct) type(id));
        return base == null ? Optional.empty() : base.findStruct(name);
    }

    /** {@return the struct or union called {@code name}; NOT_FOUND if there is none} */
    public Struct struct(String name) {
        return findStruct(name).orElseThrow(() -> ChirpException.notFound("no struct or union " + name + " in the types"));
    }

    /** {@return the first named type (struct, union, enum, typedef, base type) called {@code name}} */
    public Optional<BtfType> findNamed(String name) {
        Integer id = idsNamed != null ? lazyStruct(name) : structsByName.get(name);
        if (id == null) id = idsNamed != null ? lazyNamed(name) : namedByName.get(name);
        if (id != null) return Optional.of(type(id));
        return base == null ? Optional.empty() : base.findNamed(name);
    }

    /** {@return the type behind typedefs, qualifiers and type tags} */
    public BtfType resolve(int id) {
        BtfType t = type(id);
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            switch (t) {
                case Typedef td -> t = type(td.target());
                case Modifier m -> t = type(m.target());
                default -> { return t; }
            }
        }
        throw ChirpException.corrupt("typedef/qualifier chain longer than " + MAX_DEPTH + " at type " + id);
    }

    /** {@return the size in bytes of a value of type {@code id}} */
    public long sizeOf(int id) { return sizeOf(id, 0); }

    private long sizeOf(int id, int depth) {
        if (depth > MAX_DEPTH) throw ChirpException.corrupt("type nesting deeper than " + MAX_DEPTH + " at " + id);
        return switch (resolve(id)) {
            case IntType i -> i.size();
            case FloatType f -> f.size();
            case Ptr p -> 8;
            case EnumType e -> e.size();
            case Struct s -> s.size();
            case Array a -> {
                long elem = sizeOf(a.elemType(), depth + 1);
                if (a.count() != 0 && elem > Long.MAX_VALUE / a.count()) throw ChirpException.corrupt("array too big");
                yield elem * a.count();
            }
            case BtfType.DataSec d -> d.size();
            case BtfType t -> throw ChirpException.notFound("type " + id + " (" + t.getClass().getSimpleName()
                    + " " + t.name() + ") has no size");
        };
    }

    /** {@return the size in bytes of the struct, union or other named type {@code name}} */
    public long sizeOf(String name) {
        BtfType t = findNamed(name).orElseThrow(() -> ChirpException.notFound("no type " + name + " in the types"));
        return sizeOf(t.id());
    }

    /** {@return the byte offset of the member at dotted {@code path} in struct {@code struct}} */
    public long offsetOf(String struct, String path) { return memberPath(struct, path).byteOffset(); }

    /**
     * {@return the member at dotted {@code path} (e.g. "__sk_common.skc_dport") in struct or union {@code struct}}
     * Each step may be reached through anonymous structs and unions, as C allows.
     *
     * @throws ChirpException NOT_FOUND if a step does not exist
     */
    public MemberPath memberPath(String struct, String path) {
        Struct s = struct(struct);
        List<Member> chain = new ArrayList<>();
        long bits = 0;
        int type = s.id();
        int bitfield = 0;
        String[] steps = path.split("\\.", -1);
        if (steps.length > MAX_DEPTH) throw ChirpException.usage("member path too long: " + path);
        for (String step : steps) {
            if (!(resolve(type) instanceof Struct cur)) {
                throw ChirpException.notFound(struct + "." + path + ": '" + step + "' is not inside a struct or union");
            }
            List<Member> found = find(cur, step, 0);
            if (found == null) throw ChirpException.notFound("no member " + step + " in " + describe(cur)
                    + " (path " + struct + "." + path + ")");
            for (Member m : found) bits += m.bitOffset();
            chain.addAll(found);
            type = found.getLast().type();
            bitfield = found.getLast().bitfieldSize();
        }
        return new MemberPath(chain, bits, type, bitfield);
    }

    /** Depth-first search through anonymous members: C's rule for which member a name means. */
    private List<Member> find(Struct s, String name, int depth) {
        if (depth > MAX_DEPTH) throw ChirpException.corrupt("anonymous member nesting deeper than " + MAX_DEPTH);
        for (Member m : s.members()) {
            if (m.name().equals(name)) return List.of(m);
        }
        for (Member m : s.members()) {
            if (!m.name().isEmpty() || !(resolve(m.type()) instanceof Struct inner)) continue;
            List<Member> sub = find(inner, name, depth + 1);
            if (sub != null) {
                List<Member> out = new ArrayList<>(sub.size() + 1);
                out.add(m);
                out.addAll(sub);
                return out;
            }
        }
        return null;
    }

    private static String describe(Struct s) {
        return (s.union() ? "union " : "struct ") + (s.name().isEmpty() ? "<anonymous #" + s.id() + ">" : s.name());
    }

    @Override public String toString() {
        return "TypeModel[" + count() + " types" + (base == null ? "" : ", split on " + firstId) + "]";
    }
}
