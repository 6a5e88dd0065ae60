package io.chirp.disk;

import io.chirp.core.ChirpException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Little-endian field access on on-disk structures held in a byte array. An offset outside the array is a
 * {@link ChirpException.Kind#CORRUPT} error naming the structure, never an {@link IndexOutOfBoundsException}:
 * offsets often come from the disk itself.
 */
public final class LittleEndian {
    private static final VarHandle U16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {}

    public static int u8(byte[] b, int off) {
        check(b, off, 1);
        return b[off] & 0xff;
    }

    public static int u16(byte[] b, int off) {
        check(b, off, 2);
        return (short) U16.get(b, off) & 0xffff;
    }

    public static long u32(byte[] b, int off) {
        check(b, off, 4);
        return (int) U32.get(b, off) & 0xffffffffL;
    }

    public static int s32(byte[] b, int off) {
        check(b, off, 4);
        return (int) U32.get(b, off);
    }

    public static long u64(byte[] b, int off) {
        check(b, off, 8);
        return (long) U64.get(b, off);
    }

    /** {@return bytes [off, off+len) as ISO-8859-1 up to the first NUL} */
    public static String cString(byte[] b, int off, int len) {
        check(b, off, len);
        int end = off;
        while (end < off + len && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.ISO_8859_1);
    }

    private static void check(byte[] b, int off, int len) {
        if (off < 0 || len < 0 || off > b.length - len) {
            throw ChirpException.corrupt("structure field at offset " + off + " (+" + len + ") lies outside its "
                    + b.length + "-byte block");
        }
    }
}
