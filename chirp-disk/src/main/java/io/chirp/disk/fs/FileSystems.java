package io.chirp.disk.fs;

import io.chirp.core.ChirpException;
import io.chirp.disk.LittleEndian;
import io.chirp.disk.block.BlockSource;
import io.chirp.disk.fs.ext4.Ext4FileSystem;
import io.chirp.disk.fs.fat.FatFileSystem;
import io.chirp.disk.part.Partition;
import io.chirp.disk.part.Partitions;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Finds and opens the file system of a disk: the whole disk, or a partition from its MBR/GPT. A file system CHIRP
 * cannot read is named when recognised and always refused: a wrong listing is worse than none.
 */
public final class FileSystems {
    private FileSystems() {}

    /** An opened file system and where it lives. */
    public record Volume(FileSystem fs, Optional<Partition> partition) {}

    /** Opens partition {@code partition} of {@code disk}, or when empty the whole disk or its first readable partition. */
    public static Volume open(BlockSource disk, OptionalInt partition) {
        List<Partition> parts = Partitions.read(disk);
        if (partition.isPresent()) {
            Partition p = parts.stream().filter(x -> x.index() == partition.getAsInt()).findFirst().orElseThrow(() ->
                    ChirpException.notFound("no partition " + partition.getAsInt() + " on " + disk.describe() + "; it has " + parts.stream().map(Partition::index).toList()));
            return new Volume(open(p.open(disk)), Optional.of(p));
        }
        if (parts.isEmpty()) return new Volume(open(disk), Optional.empty());
        StringBuilder tried = new StringBuilder();
        for (Partition p : parts) {
            BlockSource s = p.open(disk);
            String kind = detect(s);
            if (kind.equals("ext4") || kind.equals("fat32")) return new Volume(open(s), Optional.of(p));
            tried.append(" ").append(p.index()).append('=').append(kind);
        }
        throw ChirpException.unavailable("unsupported file system on every partition of " + disk.describe() + ":" + tried);
    }

    /** Opens the file system that starts at byte 0 of {@code volume}. */
    public static FileSystem open(BlockSource volume) {
        String kind = detect(volume);
        return switch (kind) {
            case "ext4" -> Ext4FileSystem.open(volume);
            case "fat32" -> FatFileSystem.open(volume);
            default -> throw ChirpException.unavailable("unsupported file system (" + kind + ") on " + volume.describe()
                    + "; CHIRP reads ext2/3/4 and FAT32");
        };
    }

    /** {@return a short name of what {@code v} holds: ext4, fat32, or the name of something unsupported} */
    public static String detect(BlockSource v) {
        long size = v.size();
        if (size >= 2048) {
            byte[] sb = v.read(1024, 1024);
            if (LittleEndian.u16(sb, 56) == 0xEF53) return "ext4";
        }
        if (size < 512) return "unknown";
        byte[] s = v.read(0, 512);
        if (ascii(s, 82, 8).equals("FAT32   ") && LittleEndian.u16(s, 510) == 0xAA55) return "fat32";
        if (ascii(s, 54, 5).equals("FAT12") || ascii(s, 54, 5).equals("FAT16")) return ascii(s, 54, 5).toLowerCase() + " (FAT12/16)";
        if (ascii(s, 3, 4).equals("NTFS")) return "ntfs";
        if (ascii(s, 3, 5).equals("EXFAT")) return "exfat";
        if (ascii(s, 0, 4).equals("XFSB")) return "xfs";
        if (ascii(s, 0, 4).equals("LUKS")) return "luks (encrypted)";
        if (size >= 0x10048 && ascii(v.read(0x10040, 8), 0, 8).equals("_BHRfS_M")) return "btrfs";
        if (size >= 1024 && ascii(v.read(512, 8), 0, 8).equals("LABELONE")) return "lvm2 physical volume";
        if (size >= 4096 && ascii(v.read(4086, 10), 0, 10).equals("SWAPSPACE2")) return "linux swap";
        return "unknown";
    }

    private static String ascii(byte[] b, int off, int len) { return new String(b, off, len, StandardCharsets.ISO_8859_1); }
}
