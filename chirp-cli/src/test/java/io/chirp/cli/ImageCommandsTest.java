package io.chirp.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code read} and {@code regs} on real raw and LiME image files written here (no guest needed). */
class ImageCommandsTest {
    @TempDir Path dir;

    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 7 + seed);
        return b;
    }

    Path raw(int size) throws Exception {
        Path p = dir.resolve("mem.raw");
        Files.write(p, pattern(size, 0));
        return p;
    }

    /** A LiME image with two ranges, [0, 0x1000) and [0x3000, 0x4000): a gap between them, nothing after. */
    Path lime() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(2 * (32 + 0x1000)).order(ByteOrder.LITTLE_ENDIAN);
        for (long start : new long[] {0, 0x3000}) {
            b.putInt(0x4C694D45).putInt(1).putLong(start).putLong(start + 0xfff).putLong(0);
            b.put(pattern(0x1000, (int) start >> 12));
        }
        Path p = dir.resolve("mem.lime");
        Files.write(p, b.array());
        return p;
    }

    @Test
    void physicalReadPastTheEndOfRamShowsTheMissingBytes() throws Exception {
        Path img = raw(0x2000);
        CommandTreeTest.Run r = CommandTreeTest.run("read", "--image", img.toString(), "--phys", "0x1ff0", "0x20");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.PARTIAL.code());
        byte[] p = pattern(0x2000, 0);
        assertThat(r.out()).contains(String.format("0000000000001ff0  %02x %02x", p[0x1ff0] & 0xff, p[0x1ff1] & 0xff));
        assertThat(r.out()).contains("0000000000002000  ?? ?? ?? ?? ?? ?? ?? ??  ?? ?? ?? ?? ?? ?? ?? ??");
        assertThat(r.err()).contains("hole: 0x2000 +0x10: not backed by guest RAM");
        CommandTreeTest.Run inside = CommandTreeTest.run("read", "--image", img.toString(), "--phys", "0x10", "16");
        assertThat(inside.code()).as(inside.err()).isZero();
        assertThat(inside.out()).doesNotContain("??");
        assertThat(inside.err()).isEmpty();
    }

    @Test
    void physicalReadAcrossAGapBetweenRanges() throws Exception {
        CommandTreeTest.Run r = CommandTreeTest.run("read", "--image", lime().toString(), "--phys", "0xff8", "0x2010");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.PARTIAL.code());
        assertThat(r.err()).contains("hole: 0x1000 +0x2000").doesNotContain("hole: 0x3000");
        byte[] second = pattern(0x1000, 3);
        assertThat(r.out()).contains(String.format("0000000000002ff8  ?? ?? ?? ?? ?? ?? ?? ??  %02x %02x", second[0] & 0xff,
                second[1] & 0xff));
        assertThat(r.out()).contains("0000000000001ff8  ?? ??");
    }

    @Test
    void registersOfAnImageThatRecordsNone() throws Exception {
        for (Path img : new Path[] {raw(0x2000), lime()}) {
            CommandTreeTest.Run r = CommandTreeTest.run("regs", "--image", img.toString());
            assertThat(r.code()).isEqualTo(ExitCode.ERROR.code());
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).contains("records no vCPU registers", "ELF core");
        }
        assertThat(CommandTreeTest.run("regs", "--image", raw(0x2000).toString()).err()).contains("is a raw image");
        assertThat(CommandTreeTest.run("regs", "--image", lime().toString()).err()).contains("is a lime image");
    }

    @Test
    void badValuesAreUsageErrorsThatListTheValidOnes() throws Exception {
        String img = raw(0x2000).toString();
        CommandTreeTest.Run proto = CommandTreeTest.run("linux", "sockets", "--image", img, "--proto", "tcp,bogus");
        assertThat(proto.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(proto.err()).contains("--proto", "bogus", "tcp6", "unix");
        CommandTreeTest.Run fmt = CommandTreeTest.run("linux", "pslist", "--image", img, "--format", "yaml");
        assertThat(fmt.code()).isEqualTo(2);
        assertThat(fmt.err()).contains("table, json, csv");
        CommandTreeTest.Run scen = CommandTreeTest.run("lab", "up", "--scenario", "bogus");
        assertThat(scen.code()).isEqualTo(2);
        assertThat(scen.err()).contains("standard, minimal");
        assertThat(CommandTreeTest.run("lab", "up", "--cpus", "0").code()).isEqualTo(2);
        CommandTreeTest.Run level = CommandTreeTest.run("linux", "dmesg", "--image", img, "--level", "9");
        assertThat(level.code()).isEqualTo(2);
        assertThat(level.err()).contains("0 emerg", "7 debug");
        CommandTreeTest.Run cls = CommandTreeTest.run("events", "--class", "99999", "--store", dir.resolve("none.db").toString());
        assertThat(cls.code()).isEqualTo(2);
        assertThat(cls.err()).contains("process, module, network");
        CommandTreeTest.Run only = CommandTreeTest.run("linux", "check", "--image", img, "--only", "idt,nope");
        assertThat(only.code()).isEqualTo(2);
        assertThat(only.err()).contains("hidden_processes");
        assertThat(CommandTreeTest.run("monitor", "--integrity-every", "-1").code()).isEqualTo(2);
        assertThat(CommandTreeTest.run("read", "--image", img, "--phys", "0xffffffffffffff00", "0x100").code()).isEqualTo(2);
    }
}
