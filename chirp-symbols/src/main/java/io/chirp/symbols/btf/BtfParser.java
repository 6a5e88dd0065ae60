package io.chirp.symbols.btf;

import io.chirp.core.ChirpException;
import io.chirp.symbols.types.BtfType;
import io.chirp.symbols.types.BtfType.Member;
import io.chirp.symbols.types.BtfType.ModifierKind;
import io.chirp.symbols.types.TypeModel;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses a BTF blob (all 19 kinds) into a {@link TypeModel}. The blob is self-checked: the type section must
 * end exactly on a record boundary, every name must be a terminated string in range, and every referenced id
 * must exist. Anything else is CORRUPT, so a scanner can use a successful parse as proof of a real blob.
 */
public final class BtfParser {
    private static final int MAX_NAME = 1 << 16;

    private final ByteBuffer buf;
    private final BtfHeader header;
    private final int typesStart;
    private final int stringsStart;
    private final byte[] baseStrings;
    private final int baseStrLen;
    private final int firstId;
    private final Map<Integer, String> names = new HashMap<>();
    private long maxRef;
    /** Lazy parsing: every reference is checked against this count as it is read (0: checked after the parse). */
    private int refLimit;

    private BtfParser(byte[] blob, byte[] baseBlob, int firstId) {
        if (blob.length < BtfHeader.SIZE) throw ChirpException.corrupt("BTF blob shorter than its header");
        this.header = BtfHeader.parse(blob);
        if (!header.sane() || header.totalSize() > blob.length) {
            throw ChirpException.corrupt("BTF header not sane or larger than the blob: " + header);
        }
        this.buf = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        this.typesStart = (int) (header.hdrLen() + header.typeOff());
        this.stringsStart = (int) (header.hdrLen() + header.strOff());
        this.baseStrings = baseBlob;
        if (baseBlob != null) {
            BtfHeader bh = BtfHeader.parse(baseBlob);
            this.baseStrLen = (int) bh.strLen();
        } else {
            this.baseStrLen = 0;
        }
        this.firstId = firstId;
    }

    /** {@return the types of a standalone (vmlinux) BTF blob} */
    public static TypeModel parse(byte[] blob) {
        BtfParser p = new BtfParser(blob, null, 1);
        List<BtfType> types = new ArrayList<>();
        types.add(new BtfType.VoidType(0));
        p.parseTypes(types);
        p.checkRefs(types.size());
        return TypeModel.of(types);
    }

    /** {@return the types of a split (module) BTF blob on top of {@code base}, parsed from {@code baseBlob}} */
    public static TypeModel parseSplit(byte[] blob, byte[] baseBlob, TypeModel base) {
        BtfParser p = new BtfParser(blob, baseBlob, base.count());
        List<BtfType> types = new ArrayList<>();
        p.parseTypes(types);
        p.checkRefs(base.count() + types.size());
        return TypeModel.split(base, types);
    }

    /**
     * {@return the types of a standalone (vmlinux) BTF blob, each parsed when first used} One pass over the type
     * section finds where each type starts (the section must end on a type boundary, every kind must be known) and
     * indexes the names that lookups use, by a hash of their bytes; no record or string is made until asked for.
     * For a blob that parsed whole before (the kernel cache's entries are verified against such a blob): a
     * damaged type of an unverified blob would only be reported CORRUPT when used.
     */
    public static TypeModel parseLazy(byte[] blob) {
        BtfParser p = new BtfParser(blob, null, 1);
        int end = (int) (p.typesStart + p.header.typeLen());
        if (end > blob.length || end < p.typesStart) throw ChirpException.corrupt("BTF type section past the blob");
        int[] starts = new int[1024];
        int n = 1; // id 0 is void
        ByteBuffer b = p.buf;
        int pos = p.typesStart;
        while (pos < end) {
            if (pos + 12 > end) throw ChirpException.corrupt("BTF type " + n + " runs past the end of the type section");
            if (n == starts.length) starts = java.util.Arrays.copyOf(starts, n * 2);
            starts[n++] = pos;
            int info = b.getInt(pos + 4);
            int vlen = info & 0xffff;
            int kind = (info >>> 24) & 0x1f;
            long extra = switch (kind) {
                case 1, 14, 17 -> 4;
                case 2, 7, 8, 9, 10, 11, 12, 16, 18 -> 0;
                case 3 -> 12;
                case 4, 5, 15, 19 -> 12L * vlen;
                case 6, 13 -> 8L * vlen;
                default -> throw ChirpException.corrupt("unknown BTF kind " + kind + " for type " + (n - 1));
            };
            long next = pos + 12L + extra;
            if (next > end) throw ChirpException.corrupt("BTF type " + (n - 1) + " runs past the end of the type section");
            pos = (int) next;
        }
        int count = n;
        int[] at = starts;
        p.refLimit = count;
        NameIndex index = new NameIndex(p, at, count);
        return TypeModel.lazy(count, id -> id == 0 ? new BtfType.VoidType(0) : p.parseAt(at[id], id), index::ids);
    }

    /** Parses the type at byte {@code pos} of the blob; safe to call from several threads at once. */
    private BtfType parseAt(int pos, int id) {
        BtfParser local = new BtfParser(this, pos);
        try {
            return local.parseOne(id);
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw ChirpException.corrupt("BTF type " + id + " runs past the end of the blob");
        }
    }

    /** A parser over the same blob with its own read position and name cache (lazy parsing, one per type). */
    private BtfParser(BtfParser of, int pos) {
        this.header = of.header;
        this.buf = of.buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.buf.position(pos);
        this.typesStart = of.typesStart;
        this.stringsStart = of.stringsStart;
        this.baseStrings = null;
        this.baseStrLen = 0;
        this.firstId = of.firstId;
        this.refLimit = of.refLimit;
    }

    /**
     * Type names by a 64-bit hash of their bytes in the string section: an open-addressing table of chains in id
     * order. Collisions only cost a comparison: callers compare the parsed type's name with the one asked for.
     */
    private static final class NameIndex {
        private final long[] keys;
        private final int[] heads;
        private final int[] next;
        private final int mask;

        NameIndex(BtfParser p, int[] at, int count) {
            int cap = Integer.highestOneBit(Math.max(16, count * 2 - 1)) << 1;
            keys = new long[cap];
            heads = new int[cap];
            java.util.Arrays.fill(heads, -1);
            int[] tails = new int[cap];
            next = new int[count];
            java.util.Arrays.fill(next, -1);
            mask = cap - 1;
            ByteBuffer b = p.buf;
            long strEnd = p.stringsStart + p.header.strLen();
            add(hash(new BtfType.VoidType(0).name()), 0, tails); // id 0 is named too (the eager model finds it)
            for (int id = 1; id < count; id++) {
                int nameOff = b.getInt(at[id]);
                int kind = (b.getInt(at[id] + 4) >>> 24) & 0x1f;
                // not found by name: functions, variables, declaration tags, qualifiers and type tags
                if (nameOff == 0 || kind == 12 || kind == 14 || kind == 17 || kind == 9 || kind == 10 || kind == 11
                        || kind == 18) continue;
                long o = nameOff & 0xffffffffL;
                if (o >= p.header.strLen()) throw ChirpException.corrupt("BTF name offset " + o + " out of range");
                long h = FNV;
                int from = (int) (p.stringsStart + o), i = from;
                int limit = (int) Math.min(strEnd, i + (long) MAX_NAME);
                boolean ascii = true;
                for (; i < limit; i++) {
                    byte c = b.get(i);
                    if (c == 0) break;
                    ascii &= c > 0;
                    h = (h ^ (c & 0xff)) * PRIME;
                }
                if (i == limit) throw ChirpException.corrupt("unterminated BTF string at offset " + o);
                if (i == from) continue; // an empty name: anonymous, as if name_off were 0
                if (!ascii) { // looked up by the decoded name: hash what that name encodes to (invalid UTF-8 differs)
                    byte[] raw = new byte[i - from];
                    b.get(from, raw);
                    h = hash(new String(raw, StandardCharsets.UTF_8));
                }
                add(h, id, tails);
            }
        }

        private void add(long h, int id, int[] tails) {
            int slot = slot(h);
            if (heads[slot] < 0) {
                keys[slot] = h;
                heads[slot] = id;
            } else {
                next[tails[slot]] = id;
            }
            tails[slot] = id;
        }

        private static long hash(String name) {
            long h = FNV;
            for (byte c : name.getBytes(StandardCharsets.UTF_8)) h = (h ^ (c & 0xff)) * PRIME;
            return h;
        }

        private static final long FNV = 0xcbf29ce484222325L;
        private static final long PRIME = 0x100000001b3L;

        private int slot(long h) {
            int s = (int) (h ^ (h >>> 32)) & mask;
            while (heads[s] >= 0 && keys[s] != h) s = (s + 1) & mask;
            return s;
        }

        int[] ids(String name) {
            int s = slot(hash(name));
            if (heads[s] < 0) return new int[0];
            int n = 0;
            for (int id = heads[s]; id >= 0; id = next[id]) n++;
            int[] out = new int[n];
            n = 0;
            for (int id = heads[s]; id >= 0; id = next[id]) out[n++] = id;
            return out;
        }
    }

    private void parseTypes(List<BtfType> out) {
        int end = (int) (typesStart + header.typeLen());
        buf.position(typesStart);
        int id = firstId + out.size() - (firstId == 1 ? 1 : 0);
        try {
            while (buf.position() < end) {
                if (id == Integer.MAX_VALUE) throw ChirpException.corrupt("too many BTF types");
                out.add(parseOne(id++));
            }
        } catch (BufferUnderflowException e) {
            throw ChirpException.corrupt("BTF type " + id + " runs past the end of the blob");
        }
        if (buf.position() != end) throw ChirpException.corrupt("BTF type section does not end on a type boundary");
    }

    private BtfType parseOne(int id) {
        String name = name(buf.getInt());
        int info = buf.getInt();
        int sizeOrType = buf.getInt();
        int vlen = info & 0xffff;
        int kind = (info >>> 24) & 0x1f;
        boolean kflag = info < 0;
        return switch (kind) {
            case 1 -> {
                int enc = buf.getInt();
                int e = (enc >>> 24) & 0xf;
                yield new BtfType.IntType(id, name, sizeOrType, (e & 1) != 0, (e & 2) != 0, (e & 4) != 0,
                        (enc >>> 16) & 0xff, enc & 0xff);
            }
            case 2 -> new BtfType.Ptr(id, ref(sizeOrType));
            case 3 -> new BtfType.Array(id, ref(buf.getInt()), ref(buf.getInt()), buf.getInt() & 0xffffffffL);
            case 4, 5 -> {
                List<Member> members = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    String mn = name(buf.getInt());
                    int mt = ref(buf.getInt());
                    long off = buf.getInt() & 0xffffffffL;
                    members.add(kflag ? new Member(mn, mt, off & 0xffffff, (int) (off >>> 24)) : new Member(mn, mt, off, 0));
                }
                yield new BtfType.Struct(id, name, kind == 5, sizeOrType & 0xffffffffL, members);
            }
            case 6 -> {
                List<BtfType.Enumerator> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    String en = name(buf.getInt());
                    int v = buf.getInt();
                    values.add(new BtfType.Enumerator(en, kflag ? v : v & 0xffffffffL));
                }
                yield new BtfType.EnumType(id, name, sizeOrType, kflag, values);
            }
            case 19 -> {
                List<BtfType.Enumerator> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    String en = name(buf.getInt());
                    long lo = buf.getInt() & 0xffffffffL;
                    long hi = buf.getInt() & 0xffffffffL;
                    values.add(new BtfType.Enumerator(en, hi << 32 | lo));
                }
                yield new BtfType.EnumType(id, name, sizeOrType, kflag, values);
            }
            case 7 -> new BtfType.Fwd(id, name, kflag);
            case 8 -> new BtfType.Typedef(id, name, ref(sizeOrType));
            case 9 -> new BtfType.Modifier(id, ModifierKind.VOLATILE, name, ref(sizeOrType));
            case 10 -> new BtfType.Modifier(id, ModifierKind.CONST, name, ref(sizeOrType));
            case 11 -> new BtfType.Modifier(id, ModifierKind.RESTRICT, name, ref(sizeOrType));
            case 18 -> new BtfType.Modifier(id, ModifierKind.TYPE_TAG, name, ref(sizeOrType));
            case 12 -> new BtfType.Func(id, name, ref(sizeOrType), vlen);
            case 13 -> {
                List<BtfType.Param> params = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) params.add(new BtfType.Param(name(buf.getInt()), ref(buf.getInt())));
                yield new BtfType.FuncProto(id, ref(sizeOrType), params);
            }
            case 14 -> new BtfType.Var(id, name, ref(sizeOrType), buf.getInt());
            case 15 -> {
                List<BtfType.VarSecInfo> vars = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    vars.add(new BtfType.VarSecInfo(ref(buf.getInt()), buf.getInt() & 0xffffffffL,
                            buf.getInt() & 0xffffffffL));
                }
                yield new BtfType.DataSec(id, name, sizeOrType & 0xffffffffL, vars);
            }
            case 16 -> new BtfType.FloatType(id, name, sizeOrType);
            case 17 -> new BtfType.DeclTag(id, name, ref(sizeOrType), buf.getInt());
            default -> throw ChirpException.corrupt("unknown BTF kind " + kind + " for type " + id);
        };
    }

    private int ref(int id) {
        long u = id & 0xffffffffL;
        if (refLimit > 0 && u >= refLimit) throw ChirpException.corrupt("BTF refers to type " + u + " but has " + refLimit);
        if (u > maxRef) maxRef = u;
        return id;
    }

    private void checkRefs(int count) {
        if (maxRef >= count) throw ChirpException.corrupt("BTF refers to type " + maxRef + " but has " + count);
    }

    private String name(int off) {
        if (off == 0 && baseStrings == null) return "";
        return names.computeIfAbsent(off, this::readName);
    }

    private String readName(int off) {
        long o = off & 0xffffffffL;
        if (baseStrings != null && o < baseStrLen) {
            BtfHeader bh = BtfHeader.parse(baseStrings);
            return cString(ByteBuffer.wrap(baseStrings), (int) (bh.hdrLen() + bh.strOff()), baseStrLen, (int) o);
        }
        long local = o - baseStrLen;
        if (local >= header.strLen()) throw ChirpException.corrupt("BTF name offset " + o + " out of range");
        return cString(buf, stringsStart, (int) header.strLen(), (int) local);
    }

    private static String cString(ByteBuffer b, int section, int sectionLen, int off) {
        int start = section + off;
        int limit = section + Math.min(sectionLen, off + MAX_NAME);
        for (int p = start; p < limit; p++) {
            if (b.get(p) == 0) {
                byte[] s = new byte[p - start];
                b.get(start, s);
                return new String(s, StandardCharsets.UTF_8);
            }
        }
        throw ChirpException.corrupt("unterminated BTF string at offset " + off);
    }
}
