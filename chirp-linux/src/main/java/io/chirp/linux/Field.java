package io.chirp.linux;

import io.chirp.core.ChirpException;
import io.chirp.symbols.types.MemberPath;

/**
 * An integer member resolved once from BTF: where it is, how wide, and whether it is a bitfield. Members that are
 * bitfields on one kernel and plain integers on another ({@code sock.sk_type}, {@code printk_info.level}) are read
 * the same way, so walkers never branch on the kernel version.
 *
 * @param offset byte offset of the first byte holding the value
 * @param size   bytes to read (1, 2, 4 or 8)
 * @param shift  for a bitfield: bit position of the value inside those bytes; else 0
 * @param bits   for a bitfield: its width; else 0
 */
public record Field(long offset, int size, int shift, int bits) {
    public Field {
        if (size != 1 && size != 2 && size != 4 && size != 8) throw new IllegalArgumentException("size " + size);
    }

    /** Resolves {@code struct.path}; NOT_FOUND if this kernel has no such member. */
    public static Field of(Layout l, String struct, String path) {
        MemberPath m = l.member(struct, path);
        if (!m.isBitfield()) {
            long size = l.types().sizeOf(m.type());
            if (size != 1 && size != 2 && size != 4 && size != 8) {
                throw ChirpException.notFound(struct + "." + path + " is not an integer (size " + size + ")");
            }
            return new Field(m.byteOffset(), (int) size, 0, 0);
        }
        int shift = (int) (m.bitOffset() & 7);
        int need = (shift + m.bitfieldSize() + 7) / 8;
        if (need > 8) throw ChirpException.notFound(struct + "." + path + " is a bitfield wider than 64 bits");
        int size = need <= 1 ? 1 : need <= 2 ? 2 : need <= 4 ? 4 : 8;
        return new Field(m.byteOffset(), size, shift, m.bitfieldSize());
    }

    /** {@return the value in the object at {@code base}, zero-extended} */
    public long read(KernelReader r, long base) {
        long v = r.unsigned(base + offset, size);
        if (bits == 0) return v;
        return (v >>> shift) & (bits == 64 ? -1L : (1L << bits) - 1);
    }
}
