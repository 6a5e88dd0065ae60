package io.chirp.disk.fs.ext4;

import io.chirp.disk.LittleEndian;
import io.chirp.disk.fs.FileType;
import io.chirp.disk.fs.Macb;

import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * One parsed ext4 inode record. {@code iBlock} is the raw 60-byte i_block area: an extent tree root, a legacy
 * block map, a fast symlink target or inline data, depending on flags and type.
 *
 * @param number     the inode number
 * @param mode       i_mode (type and permissions)
 * @param uid        owner (low and high halves joined)
 * @param gid        group (low and high halves joined)
 * @param size       i_size_lo | i_size_high
 * @param links      i_links_count
 * @param dtime      deletion time (0 for live inodes)
 * @param flags      i_flags
 * @param blocks512  i_blocks in 512-byte units (as stored, without the huge_file scaling)
 * @param fileAcl    the external xattr block, 0 if none
 * @param iBlock     the 60-byte i_block area
 * @param times      MACB with nanoseconds and the epoch extension where the record is large enough
 * @param inlineXattr the in-inode "system.data" xattr value (inline data beyond 60 bytes), empty if none
 */
public record Inode(long number, int mode, long uid, long gid, long size, int links, long dtime, long flags,
                    long blocks512, long fileAcl, byte[] iBlock, Macb times, byte[] inlineXattr) {
    static final long EXTENTS_FL = 0x80000, INLINE_DATA_FL = 0x10000000L, INDEX_FL = 0x1000;
    private static final int XATTR_MAGIC = 0xEA020000;

    /** Parses {@code inodeSize} bytes at {@code off} of {@code b}. */
    static Inode parse(long number, byte[] b, int off, int inodeSize) {
        int mode = LittleEndian.u16(b, off);
        long uid = LittleEndian.u16(b, off + 2) | (long) LittleEndian.u16(b, off + 120) << 16;
        long gid = LittleEndian.u16(b, off + 24) | (long) LittleEndian.u16(b, off + 122) << 16;
        long size = LittleEndian.u32(b, off + 4) | LittleEndian.u32(b, off + 108) << 32;
        int extra = inodeSize > 128 ? LittleEndian.u16(b, off + 128) : 0;
        if (128 + extra > inodeSize) extra = 0; // a hostile i_extra_isize: ignore the extra fields, keep the base inode
        Optional<Instant> ctime = time(b, off, 12, 132, extra);
        Optional<Instant> mtime = time(b, off, 16, 136, extra);
        Optional<Instant> atime = time(b, off, 8, 140, extra);
        Optional<Instant> crtime = extra >= 20 ? time(b, off, 144, 148, extra) : Optional.empty();
        byte[] iBlock = Arrays.copyOfRange(b, off + 40, off + 100);
        long fileAcl = LittleEndian.u32(b, off + 104) | (long) LittleEndian.u16(b, off + 118) << 32;
        long blocks = LittleEndian.u32(b, off + 28) | (long) LittleEndian.u16(b, off + 116) << 32;
        return new Inode(number, mode, uid, gid, size, LittleEndian.u16(b, off + 26), LittleEndian.u32(b, off + 20),
                LittleEndian.u32(b, off + 32), blocks, fileAcl, iBlock, new Macb(mtime, atime, ctime, crtime),
                systemData(b, off, inodeSize, extra));
    }

    /** Seconds (signed 32-bit) plus, when the record has room, 2 epoch bits and 30 bits of nanoseconds. */
    private static Optional<Instant> time(byte[] b, int off, int secOff, int extraOff, int extra) {
        long sec = LittleEndian.s32(b, off + secOff);
        long nanos = 0;
        if (extra >= extraOff - 128 + 4) {
            long x = LittleEndian.u32(b, off + extraOff);
            sec += (x & 3) << 32;
            nanos = Math.min(x >>> 2, 999_999_999L);
        }
        return Optional.of(Instant.ofEpochSecond(sec, nanos));
    }

    /** The in-inode xattr area after i_extra_isize: finds "system.data" (name index 7, name "data"). */
    private static byte[] systemData(byte[] b, int off, int inodeSize, int extra) {
        int start = off + 128 + extra;
        int end = off + inodeSize;
        if (extra == 0 || start + 4 > end || LittleEndian.s32(b, start) != XATTR_MAGIC) return new byte[0];
        int first = start + 4;
        int e = first;
        for (int i = 0; i < 64 && e + 16 <= end; i++) {
            int nameLen = LittleEndian.u8(b, e), index = LittleEndian.u8(b, e + 1);
            if (nameLen == 0 && index == 0 && LittleEndian.s32(b, e) == 0) break;
            int valueOff = LittleEndian.u16(b, e + 2);
            long valueInum = LittleEndian.u32(b, e + 4);
            long valueSize = LittleEndian.u32(b, e + 8);
            if (e + 16 + nameLen > end) break;
            String name = LittleEndian.cString(b, e + 16, nameLen);
            if (index == 7 && name.equals("data") && valueInum == 0) {
                if (first + valueOff + valueSize > end) return new byte[0];
                return Arrays.copyOfRange(b, first + valueOff, first + valueOff + (int) valueSize);
            }
            e += (16 + nameLen + 3) & ~3;
        }
        return new byte[0];
    }

    /** {@return the file type from the mode} */
    public FileType type() { return FileType.fromMode(mode); }

    boolean hasExtents() { return (flags & EXTENTS_FL) != 0; }

    boolean hasInlineData() { return (flags & INLINE_DATA_FL) != 0; }

    /** An inode never used (or wiped): no mode and no times. */
    boolean isEmpty() { return mode == 0 && links == 0 && size == 0 && dtime == 0; }
}
