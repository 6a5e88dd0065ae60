package io.chirp.memory;

import io.chirp.core.ChirpException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One ELF note: {@code Elf64_Nhdr} (namesz, descsz, type), the name and the descriptor, each padded to 4 bytes
 * as Linux and QEMU write them (also in ELF64 cores).
 *
 * @param name the owner, e.g. "CORE" or "QEMU" (without the terminating NUL)
 * @param type the note type within that owner, e.g. {@link #NT_PRSTATUS}
 * @param desc the descriptor bytes
 */
public record ElfNote(String name, int type, byte[] desc) {
    public static final int NT_PRSTATUS = 1;
    /** QEMU writes its CPU state note with type 0 under the name "QEMU". */
    public static final int NT_QEMU = 0;

    /** More notes than this in one PT_NOTE is not a VM core (QEMU writes two per vCPU). */
    static final int MAX_NOTES = 65_536;

    public ElfNote {
        desc = desc.clone();
    }

    @Override public byte[] desc() { return desc.clone(); }

    /** {@return a little-endian view of the descriptor} */
    public ByteBuffer descBuffer() { return ByteBuffer.wrap(desc).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN); }

    /** {@return the encoded note: header, NUL-terminated name and descriptor, each 4-byte padded} */
    public byte[] encode() {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        int namesz = n.length + 1;
        ByteBuffer b = ByteBuffer.allocate(encodedSize()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(namesz).putInt(desc.length).putInt(type);
        b.put(n).position(12 + pad4(namesz));
        b.put(desc);
        return b.array();
    }

    /** {@return the size of {@link #encode()}} */
    public int encodedSize() {
        return 12 + pad4(name.getBytes(StandardCharsets.US_ASCII).length + 1) + pad4(desc.length);
    }

    /**
     * Parses the notes of one PT_NOTE segment. Sizes come from the file, so each is checked against what is
     * left before anything is allocated.
     */
    public static List<ElfNote> parseAll(ByteBuffer segment, String where) {
        ByteBuffer b = segment.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        List<ElfNote> out = new ArrayList<>();
        while (b.remaining() >= 12) {
            long namesz = Integer.toUnsignedLong(b.getInt());
            long descsz = Integer.toUnsignedLong(b.getInt());
            int type = b.getInt();
            if (namesz == 0 && descsz == 0 && type == 0 && out.size() > 0 && allZero(b)) break; // zero padding
            long need = pad4(namesz) + pad4(descsz);
            if (need > b.remaining()) {
                throw ChirpException.corrupt(where + ": note " + out.size() + " claims " + need
                        + " bytes, only " + b.remaining() + " left in the PT_NOTE segment");
            }
            if (out.size() >= MAX_NOTES) throw ChirpException.corrupt(where + ": more than " + MAX_NOTES + " notes");
            byte[] name = new byte[(int) namesz];
            b.get(name);
            b.position(b.position() + (int) (pad4(namesz) - namesz));
            byte[] desc = new byte[(int) descsz];
            b.get(desc);
            b.position(b.position() + (int) (pad4(descsz) - descsz));
            int len = 0;
            while (len < name.length && name[len] != 0) len++;
            out.add(new ElfNote(new String(name, 0, len, StandardCharsets.US_ASCII), type, desc));
        }
        return out;
    }

    private static boolean allZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) if (b.get(i) != 0) return false;
        return true;
    }

    private static int pad4(int n) { return (n + 3) & ~3; }

    private static long pad4(long n) { return (n + 3) & ~3L; }
}
