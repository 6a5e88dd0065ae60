package io.chirp.memory.acquire;

import io.chirp.core.ChirpException;
import io.chirp.core.PhysicalMemory;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.LabQmp;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import io.chirp.memory.RamLayout;
import io.chirp.core.MemoryRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Acquires a live lab guest's RAM into ELF and LiME images and reads them back. */
@WithLabGuest
class AcquisitionIT {
    @TempDir Path dir;

    private static MappedFileMemory ram(LabGuest g) {
        return MemoryImages.openRam(g.ramFile(), RamLayout.identity(g.memoryBytes()), true);
    }

    private static String sha256(Path f) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Kernel .text and the banner in .rodata do not change while the guest runs: safe to compare. */
    private static void assertSameKernelBytes(LabGuest g, PhysicalMemory a, PhysicalMemory b) {
        long text = g.groundTruth().kernelCodePhys().orElseThrow();
        long banner = text + (g.groundTruth().kallsyms().get("linux_banner") - g.groundTruth().kallsyms().get("_text"));
        assertThat(new String(b.readBytes(banner, 13), StandardCharsets.US_ASCII)).isEqualTo("Linux version");
        assertThat(b.readBytes(banner, 4096)).isEqualTo(a.readBytes(banner, 4096));
        assertThat(b.readBytes(text, 64 << 10)).isEqualTo(a.readBytes(text, 64 << 10));
    }

    @Test
    void liveElfCoreReadsBackAndReadelfAgrees(LabGuest g) throws Exception {
        Path out = dir.resolve("guest.elf");
        try (MappedFileMemory ram = ram(g)) {
            AcquisitionManifest m = MemoryAcquirer.acquire(ram, out, AcquisitionRequest.of(ImageFormat.ELF_CORE)
                    .withVm(g.name(), Map.of("qemu.pid", Long.toString(g.pid()))));
            assertThat(m.size()).isEqualTo(Files.size(out)).isGreaterThan(g.memoryBytes());
            assertThat(m.sha256()).isEqualTo(sha256(out));
            assertThat(m.layout()).containsExactly(new MemoryRange(0, g.memoryBytes(), "ram"));
            try (MemoryImage img = MemoryImages.open(out)) {
                assertThat(img.format()).isEqualTo(ImageFormat.ELF_CORE);
                assertThat(img.memory().ranges()).extracting(MemoryRange::start, MemoryRange::end)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, g.memoryBytes()));
                assertSameKernelBytes(g, ram, img.memory());
            }
        }
        Process p = new ProcessBuilder("readelf", "-lW", out.toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        System.out.println(text);
        assertThat(p.exitValue()).as(text).isZero();
        assertThat(text).containsPattern("LOAD\\s+0x0*1000 0x0+ 0x0+ 0x0*" + Long.toHexString(g.memoryBytes())
                + " 0x0*" + Long.toHexString(g.memoryBytes()) + " RWE");
    }

    @Test
    void consistentLimeWithTheVmPausedOverQmp(LabGuest g) throws Exception {
        Path out = dir.resolve("guest.lime");
        try (MappedFileMemory ram = ram(g); LabQmp qmp = LabQmp.connect(g.qmpSocket())) {
            AcquisitionManifest m = MemoryAcquirer.acquire(ram, out, AcquisitionRequest.of(ImageFormat.LIME)
                    .withVm(g.name(), Map.of())
                    .withHooks(() -> qmp.execute("stop"), () -> qmp.execute("cont")));
            assertThat(m.mode()).isEqualTo("consistent");
            assertThat(m.pauseNanos()).isBetween(m.copyNanos(), TimeUnit.SECONDS.toNanos(60));
            assertThat(qmp.execute("query-status")).containsPattern("\"running\":\\s*true");
            assertThat(m.sha256()).isEqualTo(sha256(out));
            try (MemoryImage img = MemoryImages.open(out)) {
                assertThat(img.format()).isEqualTo(ImageFormat.LIME);
                assertThat(img.segments()).hasSize(1);
                assertThat(img.segments().getFirst().length()).isEqualTo(g.memoryBytes());
                assertSameKernelBytes(g, ram, img.memory());
            }
        }
        assertThat(io.chirp.evidence.EvidenceManifest.read(MemoryAcquirer.manifestPath(out)).method()).isEqualTo("consistent");
    }

    @Test
    void interruptedAcquisitionOfALiveGuestLeavesNoImage(LabGuest g) {
        Path out = dir.resolve("interrupted.elf");
        try (MappedFileMemory ram = ram(g)) {
            assertThatThrownBy(() -> MemoryAcquirer.acquire(ram, out, AcquisitionRequest.of(ImageFormat.ELF_CORE)
                    .withChunkSize(8 << 20)
                    .withProgress((d, t) -> { if (d > (64 << 20)) Thread.currentThread().interrupt(); })))
                    .isInstanceOfSatisfying(ChirpException.class,
                            e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.INTERRUPTED));
        } finally {
            Thread.interrupted();
        }
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("interrupted.elf.partial")).doesNotExist();
    }

    /**
     * At a paused instant, the image is byte for byte its layout's headers followed by the RAM file itself (ELF and
     * LiME): the hash computed on the hasher thread, the zero pages left as holes and the manifest's count of them
     * change nothing a reader of the file sees. The file is also sparse: a lab guest's RAM is mostly zero pages.
     */
    @Test
    void pausedGuestImagesAreTheRamFileByteForByteWithZeroPagesAsHoles(LabGuest g) throws Exception {
        try (MappedFileMemory ram = ram(g); LabQmp qmp = LabQmp.connect(g.qmpSocket())) {
            qmp.execute("stop");
            try {
                for (ImageFormat format : List.of(ImageFormat.ELF_CORE, ImageFormat.LIME)) {
                    Path out = dir.resolve("paused." + format);
                    AcquisitionManifest m = MemoryAcquirer.acquire(ram, out, AcquisitionRequest.of(format)
                            .withVm(g.name(), Map.of()));
                    List<MemoryRange> ranges = ram.ranges();
                    ImageLayout layout = format == ImageFormat.ELF_CORE
                            ? ElfCoreLayout.of(ranges, List.of()) : LimeLayout.of(ranges);
                    assertThat(Files.size(out)).isEqualTo(layout.size());
                    MessageDigest expected = MessageDigest.getInstance("SHA-256");
                    long holes = 0, runs = 0;   // zero-page bytes; runs of non-zero pages
                    boolean lastZero = true;
                    try (java.nio.channels.FileChannel img = java.nio.channels.FileChannel.open(out);
                         java.nio.channels.FileChannel raw = java.nio.channels.FileChannel.open(g.ramFile())) {
                        long at = 0;
                        for (ImageLayout.Part part : layout.parts()) {
                            switch (part) {
                                case ImageLayout.Bytes b -> {
                                    assertThat(read(img, at, b.bytes().length)).as("%s header at %d", format, at).isEqualTo(b.bytes());
                                    expected.update(b.bytes());
                                }
                                case ImageLayout.Data d -> {
                                    for (long off = 0; off < d.size(); off += 8 << 20) {
                                        int n = (int) Math.min(8 << 20, d.size() - off);
                                        byte[] want = read(raw, d.range().start() + off, n);
                                        byte[] got = read(img, at + off, n);
                                        if (!java.util.Arrays.equals(want, got)) {
                                            int k = java.util.Arrays.mismatch(want, got);
                                            throw new AssertionError(format + ": guest-physical 0x"
                                                    + Long.toHexString(d.range().start() + off + k) + " differs from the RAM file");
                                        }
                                        expected.update(want);
                                        for (int p = 0; p + 4096 <= n; p += 4096) {
                                            boolean zero = java.util.Arrays.mismatch(want, p, p + 4096, new byte[4096], 0, 4096) < 0;
                                            if (zero) holes += 4096;
                                            else if (lastZero) runs++;
                                            lastZero = zero;
                                        }
                                    }
                                }
                            }
                            at += part.size();
                        }
                    }
                    assertThat(m.sha256()).isEqualTo(HexFormat.of().formatHex(expected.digest())).isEqualTo(sha256(out));
                    io.chirp.evidence.EvidenceManifest em = io.chirp.evidence.EvidenceManifest.read(MemoryAcquirer.manifestPath(out));
                    assertThat(holes).as("zero pages in the guest's RAM").isGreaterThan(0);
                    // a buffer ending in zero pages has its last one written, so the file's length shows progress
                    long buffers = (g.memoryBytes() + AcquisitionRequest.DEFAULT_CHUNK - 1) / AcquisitionRequest.DEFAULT_CHUNK;
                    assertThat(((Number) em.details().get("hole_bytes")).longValue())
                            .isBetween(holes - buffers * 4096, holes);
                    assertThat(em.notes()).anyMatch(n -> n.contains("holes in the file"));
                    Process stat = new ProcessBuilder("stat", "-c", "%b %B", out.toString()).start();
                    String[] st = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip().split(" ");
                    assertThat(stat.waitFor()).isZero();
                    // LiME's data starts 32 bytes into a block: each run of data pages may touch one more block
                    assertThat(Long.parseLong(st[0]) * Long.parseLong(st[1])).as("bytes allocated to " + out)
                            .isLessThanOrEqualTo(layout.size() - holes + (buffers + runs) * 4096 + (1 << 20));
                    Files.delete(out);
                }
            } finally {
                qmp.execute("cont");
            }
        }
    }

    private static byte[] read(java.nio.channels.FileChannel ch, long at, int n) throws java.io.IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) throw new java.io.EOFException("at " + (at + b.position()));
        }
        return b.array();
    }
}
