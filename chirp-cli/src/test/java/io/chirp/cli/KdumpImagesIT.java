package io.chirp.cli;

import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.KdumpTestWriter;
import io.chirp.memory.KdumpTestWriter.Compression;
import io.chirp.memory.LabQmp;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import io.chirp.memory.Segment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Images of one instant of a lab guest in every kdump variant, and as a raw snapshot file with a layout, give the
 * same {@code chirp linux} views as QEMU's ELF dump of that instant. The guest is paused while QEMU writes the ELF
 * and its kdump-zlib (QEMU 7.2 writes every kdump format flattened), then resumed. The plain form of that file is
 * made by {@code makedumpfile -R}, the reference tool. LZO and snappy come from QEMU where it was built with them;
 * this machine's (Debian's) QEMU was not, so there they are written page by page from the ELF by
 * {@link KdumpTestWriter}, in plain and flattened form.
 */
@WithLabGuest
class KdumpImagesIT {
    @TempDir static Path dir;
    static Path elf;
    static final Map<String, Path> images = new LinkedHashMap<>();
    static Path raw;
    static String layout;

    @BeforeAll
    static void dumpOneInstantInEveryForm(LabGuest g) throws Exception {
        elf = dir.resolve("guest.elf");
        Path qemuZlib = dir.resolve("qemu-kdump-zlib.flat");
        String caps;
        try (LabQmp qmp = LabQmp.connect(g.qmpSocket())) {
            caps = qmp.execute("query-dump-guest-memory-capability");
            qmp.execute("stop");
            try {
                dump(qmp, elf, "elf");
                dump(qmp, qemuZlib, "kdump-zlib");
                for (Compression c : List.of(Compression.LZO, Compression.SNAPPY)) {
                    String format = "kdump-" + c.name().toLowerCase();
                    if (caps.contains("\"" + format + "\"")) {
                        Path p = dir.resolve("qemu-" + format + ".flat");
                        dump(qmp, p, format);
                        images.put("qemu " + format + " (flattened)", p);
                    }
                }
            } finally {
                qmp.execute("cont");
            }
        }
        images.put("qemu kdump-zlib (flattened)", qemuZlib);
        Path plainZlib = dir.resolve("makedumpfile-R-zlib.kdump");
        Process p = new ProcessBuilder("makedumpfile", "-R", plainZlib.toString())
                .redirectInput(qemuZlib.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("R.log").toFile())
                .start();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("makedumpfile -R finishes").isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("R.log"))).isZero();
        images.put("makedumpfile -R of qemu kdump-zlib", plainZlib);
        try (MemoryImage img = MemoryImages.open(elf)) {
            for (Compression c : List.of(Compression.LZO, Compression.SNAPPY)) {
                if (images.keySet().stream().anyMatch(k -> k.contains("kdump-" + c.name().toLowerCase()))) continue;
                Path plain = dir.resolve("written-" + c + ".kdump");
                KdumpTestWriter.write(img.memory(), img.cpus(), c, plain);
                images.put("written kdump " + c, plain);
                Path flat = dir.resolve("written-" + c + ".flat");
                Files.write(flat, KdumpTestWriter.flatten(Files.readAllBytes(plain), 16 << 10, null));
                images.put("written kdump " + c + " (flattened)", flat);
            }
            raw = dir.resolve("snapshot.mem");
            layout = rawSnapshot(img, raw);
        }
    }

    private static void dump(LabQmp qmp, Path out, String format) {
        // detach=false: the command returns when the file is complete
        qmp.execute("dump-guest-memory", "{\"paging\": false, \"protocol\": \"file:" + out + "\", \"format\": \""
                + format + "\"}");
    }

    /**
     * Writes the ELF's ranges one after another, as a Firecracker or Cloud Hypervisor snapshot stores its regions,
     * and returns the layout that says where they are (implicit offsets: each follows the previous one).
     */
    private static String rawSnapshot(MemoryImage img, Path out) throws IOException {
        List<String> ranges = new ArrayList<>();
        try (FileChannel src = FileChannel.open(img.file(), StandardOpenOption.READ);
             FileChannel dst = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (Segment s : img.segments()) {
                long done = 0;
                while (done < s.length()) {
                    done += src.transferTo(s.fileOffset() + done, s.length() - done, dst);
                }
                ranges.add(String.format("0x%x+0x%x", s.gpa(), s.length()));
            }
        }
        assertThat(ranges).as("RAM and the BIOS ROM above the PCI hole").hasSizeGreaterThan(1);
        return String.join(",", ranges);
    }

    static CommandTreeTest.Run chirp(List<String> args) { return CommandTreeTest.run(args.toArray(String[]::new)); }

    static final List<List<String>> VIEWS = List.of(List.of("pslist"), List.of("psaux"), List.of("pstree"),
            List.of("lsmod"), List.of("sockets"), List.of("lsof", "--pid", "1"), List.of("maps", "--pid", "1"),
            List.of("mounts"), List.of("dmesg"), List.of("check"));

    /** The ELF's result of each view, computed once. */
    static final Map<List<String>, CommandTreeTest.Run> ELF_VIEWS = new java.util.concurrent.ConcurrentHashMap<>();

    static List<String> command(List<String> view, Path image) {
        List<String> args = new ArrayList<>(List.of("linux"));
        args.addAll(view);
        args.addAll(List.of("--format", "json", "--image", image.toString()));
        return args;
    }

    /** Runs {@code view} on the ELF and on {@code image} (with {@code extra} options) and holds them equal. */
    static void sameView(List<String> view, String what, Path image, List<String> extra) {
        List<String> k = command(view, image);
        k.addAll(extra);
        CommandTreeTest.Run a = ELF_VIEWS.computeIfAbsent(view, v -> chirp(command(v, elf))), b = chirp(k);
        String name = String.join(" ", view) + " on " + what;
        assertThat(a.code()).as("ELF " + name + ": " + a.err()).isIn(ExitCode.OK.code(), ExitCode.PARTIAL.code(),
                ExitCode.FINDINGS.code());
        assertThat(a.out()).as("ELF " + name).isNotBlank();
        assertThat(b.code()).as(name + ": " + b.err()).isEqualTo(a.code());
        assertThat(b.out()).as(name).isEqualTo(a.out());
    }

    @Test
    void everyKdumpFormIsRecognisedAndCarriesTheElfsRegisters() {
        assertThat(images).hasSizeGreaterThanOrEqualTo(4);
        try (MemoryImage e = MemoryImages.open(elf)) {
            for (Map.Entry<String, Path> i : images.entrySet()) {
                try (MemoryImage k = MemoryImages.open(i.getValue())) {
                    assertThat(k.format()).as(i.getKey()).isEqualTo(i.getKey().contains("flattened")
                            ? ImageFormat.KDUMP_FLATTENED : ImageFormat.KDUMP);
                    assertThat(k.memory().ranges()).as(i.getKey()).hasSameSizeAs(e.memory().ranges());
                    assertThat(k.cpus()).as(i.getKey()).isEqualTo(e.cpus());
                    // the kernel's first pages and the BIOS ROM, byte for byte
                    for (var r : e.memory().ranges()) {
                        assertThat(k.memory().readBytes(r.start() + 0x100000 % r.size(), 65536))
                                .as(i.getKey()).isEqualTo(e.memory().readBytes(r.start() + 0x100000 % r.size(), 65536));
                    }
                }
            }
        }
        CommandTreeTest.Run regs = chirp(List.of("regs", "--format", "csv", "--image", images.values().iterator().next().toString()));
        CommandTreeTest.Run elfRegs = chirp(List.of("regs", "--format", "csv", "--image", elf.toString()));
        assertThat(regs.code()).as(regs.err()).isZero();
        assertThat(regs.out()).isEqualTo(elfRegs.out()).contains("0,cr3,0x");
    }

    @Test
    void everyLinuxViewOfEveryKdumpEqualsTheElfs() {
        for (Map.Entry<String, Path> i : images.entrySet()) {
            for (List<String> view : VIEWS) sameView(view, i.getKey(), i.getValue(), List.of());
        }
    }

    @Test
    void aRawSnapshotWithItsLayoutGivesTheElfsViewsAndWithoutItDoesNot() {
        for (List<String> view : VIEWS) sameView(view, "raw snapshot --layout " + layout, raw, List.of("--layout", layout));
        // the same file read as offset == GPA holds no BIOS at the top of 4 GiB: the layout is what makes it right
        CommandTreeTest.Run plain = chirp(List.of("read", "--image", raw.toString(), "--phys", "0xfffffff0", "16"));
        assertThat(plain.code()).isNotZero();
        CommandTreeTest.Run laid = chirp(List.of("read", "--image", raw.toString(), "--layout", layout, "--phys",
                "0xfffffff0", "16"));
        assertThat(laid.code()).as(laid.err()).isZero();
        CommandTreeTest.Run bad = chirp(List.of("linux", "pslist", "--image", elf.toString(), "--layout", "0+4K"));
        assertThat(bad.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("--layout is for raw memory files only");
    }
}
