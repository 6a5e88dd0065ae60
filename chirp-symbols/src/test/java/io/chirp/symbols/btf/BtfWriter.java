package io.chirp.symbols.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Writes BTF blobs record by record, the way pahole lays them out, for parser tests on exactly known input. */
final class BtfWriter {
    private final ByteBuffer types = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final Map<String, Integer> offsets = new HashMap<>();
    private final int strBase;
    private int nextId;

    BtfWriter() { this(0, 1); }

    /** A split writer: string offsets continue after {@code strBase}, ids after {@code firstId - 1}. */
    BtfWriter(int strBase, int firstId) {
        this.strBase = strBase;
        this.nextId = firstId;
        if (strBase == 0) str("");
    }

    int str(String s) {
        if (s.isEmpty() && strBase == 0) {
            if (strings.size() == 0) { strings.write(0); offsets.put("", 0); }
            return 0;
        }
        return offsets.computeIfAbsent(s, k -> {
            int o = strBase + strings.size();
            strings.writeBytes(k.getBytes(StandardCharsets.UTF_8));
            strings.write(0);
            return o;
        });
    }

    /** Writes the common 12-byte record head and returns the new type's id. */
    int head(String name, int kind, int vlen, boolean kflag, int sizeOrType) {
        types.putInt(str(name)).putInt((kflag ? 1 << 31 : 0) | kind << 24 | vlen).putInt(sizeOrType);
        return nextId++;
    }

    int intType(String name, int size, boolean signed) {
        int id = head(name, 1, 0, false, size);
        types.putInt((signed ? 1 : 0) << 24 | size * 8);
        return id;
    }

    int ptr(int target) { return head("", 2, 0, false, target); }

    int array(int elem, int index, int count) {
        int id = head("", 3, 0, false, 0);
        types.putInt(elem).putInt(index).putInt(count);
        return id;
    }

    /** members: name, type, bitOffset, bitfieldSize (any bitfield switches the struct to kind_flag encoding) */
    int struct(String name, boolean union, int size, Object... members) {
        boolean kflag = false;
        for (int i = 3; i < members.length; i += 4) kflag |= (Integer) members[i] != 0;
        int id = head(name, union ? 5 : 4, members.length / 4, kflag, size);
        for (int i = 0; i < members.length; i += 4) {
            int off = (Integer) members[i + 2];
            int bits = (Integer) members[i + 3];
            types.putInt(str((String) members[i])).putInt((Integer) members[i + 1]).putInt(kflag ? bits << 24 | off : off);
        }
        return id;
    }

    int enumType(String name, int size, boolean signed, Object... values) {
        int id = head(name, 6, values.length / 2, signed, size);
        for (int i = 0; i < values.length; i += 2) types.putInt(str((String) values[i])).putInt((Integer) values[i + 1]);
        return id;
    }

    int enum64(String name, long... values) {
        int id = head(name, 19, values.length, false, 8);
        for (int i = 0; i < values.length; i++) types.putInt(str(name + "_V" + i)).putInt((int) values[i]).putInt((int) (values[i] >>> 32));
        return id;
    }

    int simple(String name, int kind, int target) { return head(name, kind, 0, false, target); }

    int fwd(String name, boolean union) { return head(name, 7, 0, union, 0); }

    int funcProto(int ret, Object... params) {
        int id = head("", 13, params.length / 2, false, ret);
        for (int i = 0; i < params.length; i += 2) types.putInt(str((String) params[i])).putInt((Integer) params[i + 1]);
        return id;
    }

    int func(String name, int proto) { return head(name, 12, 1, false, proto); }

    int var(String name, int type) {
        int id = head(name, 14, 0, false, type);
        types.putInt(1);
        return id;
    }

    int datasec(String name, int size, int var, int off, int len) {
        int id = head(name, 15, 1, false, size);
        types.putInt(var).putInt(off).putInt(len);
        return id;
    }

    int floatType(String name, int size) { return head(name, 16, 0, false, size); }

    int declTag(String name, int target, int component) {
        int id = head(name, 17, 0, false, target);
        types.putInt(component);
        return id;
    }

    /** Raw bytes into the type section, for hostile-input tests. */
    void raw(int... words) { for (int w : words) types.putInt(w); }

    byte[] blob() {
        byte[] s = strings.toByteArray();
        int tl = types.position();
        ByteBuffer b = ByteBuffer.allocate(24 + tl + s.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(tl).putInt(tl).putInt(s.length);
        b.put(types.array(), 0, tl).put(s);
        return b.array();
    }
}
