package io.chirp.cli;

import java.io.PrintWriter;

/** The classic 16-bytes-a-line hex dump with an ASCII column (non-printables as dots). */
final class HexDump {
    private HexDump() {}

    static void print(PrintWriter out, long base, byte[] data, boolean[] missing) {
        StringBuilder sb = new StringBuilder();
        for (int off = 0; off < data.length; off += 16) {
            sb.setLength(0);
            sb.append(String.format("%016x  ", base + off));
            for (int i = 0; i < 16; i++) {
                int k = off + i;
                if (k >= data.length) sb.append("   ");
                else if (missing != null && missing[k]) sb.append("?? ");
                else sb.append(String.format("%02x ", data[k] & 0xff));
                if (i == 7) sb.append(' ');
            }
            sb.append(" |");
            for (int i = 0; i < 16 && off + i < data.length; i++) {
                int c = data[off + i] & 0xff;
                sb.append(missing != null && missing[off + i] ? ' ' : c >= 0x20 && c < 0x7f ? (char) c : '.');
            }
            sb.append('|');
            out.println(sb);
        }
        out.flush();
    }
}
