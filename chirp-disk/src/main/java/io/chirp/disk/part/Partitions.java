package io.chirp.disk.part;

import io.chirp.core.ChirpException;
import io.chirp.disk.LittleEndian;
import io.chirp.disk.block.BlockSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Reads the partition table of a disk. A disk holding a file system directly (no table, like the lab guest's data
 * disk) has no partitions; a protective MBR means GPT. Entries pointing outside the disk are dropped as damage.
 */
public final class Partitions {
    private static final int SECTOR = 512;
    private static final int MAX_LOGICAL = 128;
    private static final int MAX_GPT_ENTRIES = 1024;

    private Partitions() {}

    /** {@return the partitions of {@code disk}, empty when it has no partition table} */
    public static List<Partition> read(BlockSource disk) {
        if (disk.size() < SECTOR) return List.of();
        byte[] mbr = disk.read(0, SECTOR);
        if (LittleEndian.u16(mbr, 510) != 0xAA55 || looksLikeBootSector(mbr)) return List.of();
        for (int i = 0; i < 4; i++) {
            if (LittleEndian.u8(mbr, 446 + i * 16 + 4) == 0xEE) return gpt(disk);
        }
        return mbr(disk, mbr);
    }

    /** A FAT or NTFS boot sector also ends in 55AA: its jump instruction and OEM name tell it from an MBR. */
    private static boolean looksLikeBootSector(byte[] s) {
        int j = s[0] & 0xff;
        String oem = new String(s, 3, 8, StandardCharsets.ISO_8859_1);
        boolean fatSig = new String(s, 82, 8, StandardCharsets.ISO_8859_1).startsWith("FAT")
                || new String(s, 54, 8, StandardCharsets.ISO_8859_1).startsWith("FAT");
        return (j == 0xEB || j == 0xE9) && (fatSig || oem.startsWith("NTFS") || oem.startsWith("EXFAT"));
    }

    private static List<Partition> mbr(BlockSource disk, byte[] mbr) {
        List<Partition> out = new ArrayList<>();
        long extended = -1;
        for (int i = 0; i < 4; i++) {
            int e = 446 + i * 16;
            int type = LittleEndian.u8(mbr, e + 4);
            long lba = LittleEndian.u32(mbr, e + 8), count = LittleEndian.u32(mbr, e + 12);
            if (type == 0 || count == 0) continue;
            if (type == 0x05 || type == 0x0f || type == 0x85) {
                extended = lba;
                continue;
            }
            add(out, disk, new Partition(i + 1, Partition.Scheme.MBR, lba * SECTOR, count * SECTOR, String.format("%02x", type), ""));
        }
        if (extended > 0) logical(disk, extended, out);
        return out;
    }

    /** The EBR chain: each EBR holds one logical partition and a link to the next, relative to the extended start. */
    private static void logical(BlockSource disk, long extStart, List<Partition> out) {
        Set<Long> seen = new HashSet<>();
        long ebr = extStart;
        for (int n = 0; n < MAX_LOGICAL; n++) {
            if (!seen.add(ebr) || ebr * SECTOR + SECTOR > disk.size()) return; // loop or out of the disk: stop
            byte[] s = disk.read(ebr * SECTOR, SECTOR);
            if (LittleEndian.u16(s, 510) != 0xAA55) return;
            int type = LittleEndian.u8(s, 446 + 4);
            long lba = LittleEndian.u32(s, 446 + 8), count = LittleEndian.u32(s, 446 + 12);
            if (type != 0 && count != 0) {
                add(out, disk, new Partition(5 + n, Partition.Scheme.MBR, (ebr + lba) * SECTOR, count * SECTOR, String.format("%02x", type), ""));
            }
            long next = LittleEndian.u32(s, 446 + 16 + 8);
            if (next == 0) return;
            ebr = extStart + next;
        }
    }

    private static List<Partition> gpt(BlockSource disk) {
        byte[] h = disk.read(SECTOR, SECTOR);
        if (!new String(h, 0, 8, StandardCharsets.US_ASCII).equals("EFI PART")) throw ChirpException.corrupt("GPT: protective MBR but no GPT header at LBA 1");
        int headerSize = (int) LittleEndian.u32(h, 12);
        if (headerSize < 92 || headerSize > SECTOR) throw ChirpException.corrupt("GPT: header size " + headerSize);
        byte[] hc = h.clone();
        hc[16] = hc[17] = hc[18] = hc[19] = 0;
        CRC32 crc = new CRC32();
        crc.update(hc, 0, headerSize);
        if (crc.getValue() != LittleEndian.u32(h, 16)) throw ChirpException.corrupt("GPT: header checksum mismatch");
        long entriesLba = LittleEndian.u64(h, 72);
        long count = LittleEndian.u32(h, 80), size = LittleEndian.u32(h, 84);
        if (count > MAX_GPT_ENTRIES || size < 128 || size > 4096 || (size & 7) != 0) throw ChirpException.corrupt("GPT: " + count + " entries of " + size + " bytes");
        byte[] entries = disk.read(entriesLba * SECTOR, (int) (count * size));
        crc.reset();
        crc.update(entries);
        if (crc.getValue() != LittleEndian.u32(h, 88)) throw ChirpException.corrupt("GPT: partition entry array checksum mismatch");
        List<Partition> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int e = (int) (i * size);
            long t1 = LittleEndian.u64(entries, e), t2 = LittleEndian.u64(entries, e + 8);
            if (t1 == 0 && t2 == 0) continue;
            long first = LittleEndian.u64(entries, e + 32), last = LittleEndian.u64(entries, e + 40);
            // LBAs beyond the disk are skipped before they are multiplied: 2^55+1 sectors would wrap to byte 512
            if (last < first || last >= disk.size() / SECTOR) continue;
            String name = new String(entries, e + 56, 72, StandardCharsets.UTF_16LE);
            int nul = name.indexOf('\0');
            add(out, disk, new Partition(i + 1, Partition.Scheme.GPT, first * SECTOR, (last - first + 1) * SECTOR,
                    guid(entries, e), nul >= 0 ? name.substring(0, nul) : name));
        }
        return out;
    }

    private static void add(List<Partition> out, BlockSource disk, Partition p) {
        if (p.start() >= 0 && p.length() > 0 && p.start() <= disk.size() && p.length() <= disk.size() - p.start()) out.add(p);
    }

    /** Mixed-endian GUID text as GPT tools print it. */
    private static String guid(byte[] b, int o) {
        return String.format("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", LittleEndian.u32(b, o), LittleEndian.u16(b, o + 4),
                LittleEndian.u16(b, o + 6), b[o + 8], b[o + 9], b[o + 10], b[o + 11], b[o + 12], b[o + 13], b[o + 14], b[o + 15]).toUpperCase();
    }
}
