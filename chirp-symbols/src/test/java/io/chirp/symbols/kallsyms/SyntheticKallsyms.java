package io.chirp.symbols.kallsyms;

import io.chirp.symbols.Symbol;
import io.chirp.symbols.kallsyms.KallsymsLayout.Variant;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Emits kallsyms tables the way scripts/kallsyms.c does (every label 8-aligned), for each layout variant, so the
 * reader can be tested on exactly known input. Tokens: printable characters stand for themselves; a few other
 * codes expand to multi-character tokens, as the real compressor's are.
 */
final class SyntheticKallsyms {
    static final String[] MULTI = {"__x64_sys_", "init_", "_task", "kthread"};

    static byte[][] tokens() {
        byte[][] t = new byte[256][];
        for (int i = 0; i < 256; i++) {
            if (i >= 0x21 && i <= 0x7e) t[i] = new byte[] {(byte) i};
            else if (i >= 1 && i <= MULTI.length) t[i] = MULTI[i - 1].getBytes(StandardCharsets.ISO_8859_1);
            else t[i] = ("~" + Integer.toHexString(i)).getBytes(StandardCharsets.ISO_8859_1);
        }
        return t;
    }

    static List<Symbol> symbols(long base, int n) {
        List<Symbol> out = new ArrayList<>();
        out.add(new Symbol("fixed_percpu_data", 0, 'A'));
        out.add(new Symbol("cpu_number", 0x1000, 'A'));
        out.add(new Symbol("_text", base, 'T'));
        for (int i = 0; out.size() < n; i++) {
            String name = switch (i % 5) {
                case 0 -> "__x64_sys_call" + i;
                case 1 -> "init_thing_" + i;
                case 2 -> "kthread_task" + i;
                case 3 -> "local_" + i;
                default -> "a_".repeat(70) + i; // > 127 tokens: two-byte length
            };
            char type = "TtDdR".charAt(i % 5);
            out.add(new Symbol(name, base + 0x1000 + 16L * i, type));
        }
        return out;
    }

    static byte[] encodeName(Symbol s) {
        String full = s.type() + s.name();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int i = 0;
        outer:
        while (i < full.length()) {
            for (int m = 0; m < MULTI.length; m++) {
                if (full.startsWith(MULTI[m], i)) {
                    b.write(m + 1);
                    i += MULTI[m].length();
                    continue outer;
                }
            }
            b.write(full.charAt(i++));
        }
        return b.toByteArray();
    }

    /** {@return the tables, laid out for {@code v}, starting at an 8-aligned position of a fresh buffer} */
    static byte[] tables(List<Symbol> syms, long base, Variant v, boolean absolutePercpu) {
        int n = syms.size();
        ByteBuffer out = ByteBuffer.allocate(64 << 20).order(ByteOrder.LITTLE_ENDIAN);
        Runnable align = () -> { while (out.position() % 8 != 0) out.put((byte) 0); };
        Runnable offsets = () -> {
            align.run();
            for (Symbol s : syms) {
                long a = s.address();
                boolean abs = absolutePercpu && Long.compareUnsigned(a, base) < 0;
                out.putInt(abs ? (int) a : absolutePercpu ? (int) (base - 1 - a) : (int) (a - base));
            }
        };
        Runnable relBase = () -> { align.run(); out.putLong(base); };
        Runnable numSyms = () -> { align.run(); out.putInt(n); };
        int[] markers = new int[(n + 255) / 256];
        Runnable names = () -> {
            align.run();
            int start = out.position();
            for (int i = 0; i < n; i++) {
                if (i % 256 == 0) markers[i / 256] = out.position() - start;
                byte[] e = encodeName(syms.get(i));
                if (e.length > 127) out.put((byte) (0x80 | (e.length & 0x7f))).put((byte) (e.length >> 7));
                else out.put((byte) e.length);
                out.put(e);
            }
        };
        Runnable markerTable = () -> { align.run(); for (int m : markers) out.putInt(m); };
        Runnable seqs = () -> { align.run(); for (int i = 0; i < n; i++) out.put((byte) 0).put((byte) (i >> 8)).put((byte) i); };
        Runnable tokenTables = () -> {
            align.run();
            int start = out.position();
            int[] idx = new int[256];
            byte[][] t = tokens();
            for (int i = 0; i < 256; i++) { idx[i] = out.position() - start; out.put(t[i]).put((byte) 0); }
            align.run();
            for (int i : idx) out.putShort((short) i);
        };
        switch (v) {
            case BASE_FIRST -> { offsets.run(); relBase.run(); numSyms.run(); names.run(); markerTable.run(); tokenTables.run(); }
            case BASE_FIRST_WITH_SEQS -> { offsets.run(); relBase.run(); numSyms.run(); names.run(); markerTable.run();
                seqs.run(); tokenTables.run(); }
            case NUM_SYMS_FIRST -> { numSyms.run(); names.run(); markerTable.run(); tokenTables.run(); offsets.run();
                relBase.run(); seqs.run(); }
        }
        align.run();
        byte[] r = new byte[out.position()];
        out.flip().get(r);
        return r;
    }

    /** {@return a RAM image of {@code size} bytes with noise, a decoy digit run, and the tables at {@code at}} */
    static byte[] image(int size, int at, byte[] tables) {
        byte[] img = new byte[size];
        new java.util.Random(42).nextBytes(img);
        byte[] decoy = TokenTable.anchor();
        System.arraycopy(decoy, 0, img, 4096 + 3, decoy.length);
        System.arraycopy(tables, 0, img, at, tables.length);
        return img;
    }
}
