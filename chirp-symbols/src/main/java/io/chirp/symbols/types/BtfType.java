package io.chirp.symbols.types;

import java.util.List;

/**
 * One C type, as BTF describes it. Ids refer to other types of the same {@link TypeModel}.
 * Names are "" for anonymous types.
 */
public sealed interface BtfType {
    /** {@return this type's id in its model} */
    int id();

    /** {@return the type's name, "" if anonymous or unnamed by nature (pointers, arrays, qualifiers)} */
    String name();

    /** {@code void}, id 0 (and anything a model cannot describe). */
    record VoidType(int id) implements BtfType {
        @Override public String name() { return "void"; }
    }

    /** An integer, char or bool; {@code bits} may be less than {@code size * 8} (BTF_INT_BITS). */
    record IntType(int id, String name, int size, boolean signed, boolean isChar, boolean isBool, int bitOffset, int bits)
            implements BtfType {}

    /** A floating-point type. */
    record FloatType(int id, String name, int size) implements BtfType {}

    /** A pointer to {@code target}. */
    record Ptr(int id, int target) implements BtfType {
        @Override public String name() { return ""; }
    }

    /** {@code elem[count]}. */
    record Array(int id, int elemType, int indexType, long count) implements BtfType {
        @Override public String name() { return ""; }
    }

    /**
     * A member of a struct or union.
     *
     * @param name         "" for an anonymous struct/union member
     * @param type         the member's type id
     * @param bitOffset    offset of the member from the start of the containing type, in bits
     * @param bitfieldSize width in bits of a bitfield, 0 for an ordinary member
     */
    record Member(String name, int type, long bitOffset, int bitfieldSize) {
        /** {@return the byte offset (for a bitfield: of the byte holding its first bit)} */
        public long byteOffset() { return bitOffset >>> 3; }
    }

    /** A struct or union with its members in declaration order. */
    record Struct(int id, String name, boolean union, long size, List<Member> members) implements BtfType {
        public Struct { members = List.copyOf(members); }
    }

    /** One enumerator. */
    record Enumerator(String name, long value) {}

    /** An enum (BTF ENUM or ENUM64). */
    record EnumType(int id, String name, int size, boolean signed, List<Enumerator> values) implements BtfType {
        public EnumType { values = List.copyOf(values); }
    }

    /** A forward declaration of a struct or union with no definition in this model. */
    record Fwd(int id, String name, boolean union) implements BtfType {}

    /** {@code typedef target name}. */
    record Typedef(int id, String name, int target) implements BtfType {}

    /** What a {@link Modifier} adds. TYPE_TAG carries its tag as the name (e.g. "user", "percpu"). */
    enum ModifierKind { VOLATILE, CONST, RESTRICT, TYPE_TAG }

    /** A qualifier or type tag in front of {@code target}. */
    record Modifier(int id, ModifierKind kind, String name, int target) implements BtfType {}

    /** A function parameter ("" name for unnamed ones; type 0 in the last slot means "..."). */
    record Param(String name, int type) {}

    /** A function signature. */
    record FuncProto(int id, int returnType, List<Param> params) implements BtfType {
        public FuncProto { params = List.copyOf(params); }
        @Override public String name() { return ""; }
    }

    /** A function: its name and its {@link FuncProto}; linkage 0 static, 1 global, 2 extern. */
    record Func(int id, String name, int proto, int linkage) implements BtfType {}

    /** A variable (BTF describes per-CPU variables, for example). */
    record Var(int id, String name, int type, int linkage) implements BtfType {}

    /** A variable's place in a data section. */
    record VarSecInfo(int type, long offset, long size) {}

    /** A data section (".data..percpu") and the variables in it. */
    record DataSec(int id, String name, long size, List<VarSecInfo> vars) implements BtfType {
        public DataSec { vars = List.copyOf(vars); }
    }

    /** An annotation on a type, or on one member/parameter ({@code componentIdx} &gt;= 0). */
    record DeclTag(int id, String name, int target, int componentIdx) implements BtfType {}
}
