package io.chirp.disk.fs.ext4;

import io.chirp.disk.fs.DirEntry;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Directory blocks built here, damaged one field at a time: every skip is named, the rest of the block is read. */
class DirectoriesTest {
    private static final int BS = 1024;

    /** A block with ".", "..", then {@code n} entries "f0".."fn-1" (inodes 20..), the last spanning the block. */
    private static byte[] block(int n) {
        ByteBuffer b = ByteBuffer.allocate(BS).order(ByteOrder.LITTLE_ENDIAN);
        entry(b, 2, 12, ".");
        entry(b, 2, 12, "..");
        for (int i = 0; i < n; i++) {
            String name = "f" + i;
            int rec = i == n - 1 ? BS - b.position() : (8 + name.length() + 3) & ~3;
            entry(b, 20 + i, rec, name);
        }
        return b.array();
    }

    private static void entry(ByteBuffer b, int ino, int rec, String name) {
        int at = b.position();
        b.putInt(ino).putShort((short) rec).put((byte) name.length()).put((byte) 1).put(name.getBytes(StandardCharsets.US_ASCII));
        b.position(at + rec);
    }

    private static List<String> parse(byte[] b, List<String> problems) {
        List<DirEntry> out = new ArrayList<>();
        Directories.parseBlock(b, 0, BS, 1000, true, false, out, problems, "dir 2 block 0");
        return out.stream().map(DirEntry::name).toList();
    }

    @Test
    void cleanBlockHasNoProblems() {
        List<String> problems = new ArrayList<>();
        assertThat(parse(block(50), problems)).hasSize(50);
        assertThat(problems).isEmpty();
    }

    @Test
    void zeroRecordLengthIsSkippedAndTheRestRecovered() {
        byte[] b = block(50);
        b[24 + 4] = 0;
        b[24 + 5] = 0; // f0's rec_len
        List<String> problems = new ArrayList<>();
        List<String> names = parse(b, problems);
        assertThat(names).hasSize(49).doesNotContain("f0").contains("f1", "f49");
        assertThat(problems).singleElement().asString().contains("dir 2 block 0, offset 24", "inode 20", "name \"f0\"",
                "record length 0", "skipped 12 bytes");
    }

    @Test
    void inodeOutOfRangeAndOverrunningNameAreNamed() {
        byte[] b = block(50);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 12 * 5, 5000); // f5's inode > 1000
        b[24 + 12 * 10 + 6] = (byte) 200; // f10's name_len
        List<String> problems = new ArrayList<>();
        List<String> names = parse(b, problems);
        assertThat(names).hasSize(48).doesNotContain("f5", "f10");
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).contains("inode number 5000");
        assertThat(problems.get(1)).contains("name length 200");
    }

    @Test
    void garbageToTheEndIsOneProblemNotAHang() {
        byte[] b = block(3);
        for (int i = 24; i < BS; i++) b[i] = (byte) 0xff;
        List<String> problems = new ArrayList<>();
        assertThat(parse(b, problems)).isEmpty();
        assertThat(problems).singleElement().asString().contains("to the end of the block");
    }
}
