package io.chirp.memory.acquire;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.MemoryRange;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import io.chirp.memory.Segment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemoryAcquirerTest {
    @TempDir Path dir;
    private MappedFileMemory source;
    private byte[] content;

    /** A real mapped file with two GPA ranges: [0, 0x3000) and [1 MiB, 1 MiB + 0x2000) (file offset 0x3000). */
    @BeforeEach
    void source() throws IOException {
        content = new byte[0x5000];
        for (int i = 0; i < content.length; i++) content[i] = (byte) (i * 13 + (i >> 9));
        Path f = Files.write(dir.resolve("ram"), content);
        source = MappedFileMemory.open(f, List.of(new Segment(0, 0, 0x3000, "low"),
                new Segment(0x100000, 0x3000, 0x2000, "high")), false, "test RAM");
    }

    @AfterEach
    void close() {
        source.close();
    }

    static CpuState cpu(int vcpu, long cr3) {
        Map<String, Long> regs = new LinkedHashMap<>();
        for (String r : CpuState.GPRS) regs.put(r, 0x100L * vcpu + r.hashCode() % 1000);
        regs.put("cs", 0x10L);
        regs.put("ss", 0x18L);
        return new CpuState(vcpu, regs, 0xffffffff81000000L + vcpu, 0x246, OptionalLong.of(0x7f0000L),
                OptionalLong.of(0xffff888000000000L + vcpu), OptionalLong.of(0x55L), OptionalLong.of(0x80050033L),
                OptionalLong.of(0x1234L), OptionalLong.of(cr3), OptionalLong.of(0x6f0L), OptionalLong.empty(), "test");
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    @Test
    void elfCoreRoundTripsRangesBytesAndCpus() throws Exception {
        Path out = dir.resolve("vm.elf");
        List<long[]> progress = new ArrayList<>();
        AcquisitionManifest m = MemoryAcquirer.acquire(source, out, AcquisitionRequest.of(ImageFormat.ELF_CORE)
                .withCpus(List.of(cpu(0, 0x288c000), cpu(1, 0x285d000)))
                .withVm("web-1", Map.of("uuid", "1234", "qemu.pid", "42"))
                .withChunkSize(4096)
                .withProgress((d, t) -> progress.add(new long[] {d, t})));
        assertThat(out).isRegularFile();
        assertThat(dir.resolve("vm.elf.partial")).doesNotExist();
        assertThat(m.sha256()).isEqualTo(sha256(out));
        assertThat(m.size()).isEqualTo(Files.size(out));
        assertThat(m.mode()).isEqualTo("live");
        assertThat(m.pauseNanos()).isZero();
        assertThat(m.vcpus()).isEqualTo(2);
        assertThat(progress.getLast()).containsExactly(m.size(), m.size());
        assertThat(progress).isSortedAccordingTo((a, b) -> Long.compare(a[0], b[0]));

        try (MemoryImage img = MemoryImages.open(out)) {
            assertThat(img.format()).isEqualTo(ImageFormat.ELF_CORE);
            assertThat(img.memory().ranges()).extracting(MemoryRange::start, MemoryRange::end)
                    .containsExactlyElementsOf(source.ranges().stream()
                            .map(r -> org.assertj.core.groups.Tuple.tuple(r.start(), r.end())).toList());
            assertThat(img.memory().readBytes(0, 0x3000)).isEqualTo(source.readBytes(0, 0x3000));
            assertThat(img.memory().readBytes(0x100000, 0x2000)).isEqualTo(source.readBytes(0x100000, 0x2000));
            assertThat(img.segments().getFirst().fileOffset() % 4096).isZero();
            assertThat(img.cpus()).hasSize(2);
            CpuState c1 = img.cpus().get(1);
            CpuState want = cpu(1, 0x285d000);
            assertThat(c1.cr3()).hasValue(0x285d000);
            assertThat(c1.rip()).isEqualTo(want.rip());
            assertThat(c1.gsBase()).isEqualTo(want.gsBase());
            assertThat(c1.kernelGsBase()).hasValue(0x55);
            assertThat(c1.cr2()).hasValue(0x1234);
            for (String r : CpuState.GPRS) assertThat(c1.register(r)).as(r).hasValue(want.registers().get(r));
            assertThat(c1.register("cs")).hasValue(0x10);
        }
        EvidenceManifest json = EvidenceManifest.read(MemoryAcquirer.manifestPath(out));
        assertThat(json.sha256()).isEqualTo(m.sha256());
        assertThat(json.format()).isEqualTo("ELF_CORE");
        assertThat(json.method()).isEqualTo("live");
        assertThat(json.kind()).isEqualTo("memory-image");
        assertThat(json.complete()).isTrue();
        assertThat(json.source().name()).isEqualTo("web-1");
        assertThat(json.source().identity()).containsEntry("qemu.pid", "42");
        assertThat(json.tool()).isEqualTo("chirp");
        assertThat(json.notes()).anyMatch(n -> n.contains("smeared"));
        assertThat(json.details().get("layout").toString()).contains("start=0x100000");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out)))
                .isEqualTo("rw-------");
    }

    @Test
    void readelfListsTheLoadSegmentsWithTheirPhysicalAddresses() throws Exception {
        Path out = dir.resolve("vm.core");
        MemoryAcquirer.acquire(source, out, AcquisitionRequest.of(ImageFormat.ELF_CORE).withCpus(List.of(cpu(0, 0x1000))));
        Process p = new ProcessBuilder("readelf", "-lW", out.toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(text).isZero();
        assertThat(text).contains("Elf file type is CORE").doesNotContain("Warning");
        assertThat(text).containsPattern("NOTE\\s+0x[0-9a-f]+ 0x0+ 0x0+ 0x0+3[0-9a-f]{2} ");
        assertThat(text).containsPattern("LOAD\\s+0x0*1000 0x0+ 0x0+ 0x0*3000 0x0*3000 RWE");
        assertThat(text).containsPattern("LOAD\\s+0x0*4000 0x0+ 0x0*100000 0x0*2000 0x0*2000 RWE");
        Process n = new ProcessBuilder("readelf", "-nW", out.toString()).redirectErrorStream(true).start();
        String notes = new String(n.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(n.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(notes).containsPattern("CORE\\s+0x00000150\\s+NT_PRSTATUS").containsPattern("QEMU\\s+0x000001b8");
    }

    @Test
    void limeRoundTripAndConsistentModeHooks() throws Exception {
        Path out = dir.resolve("vm.lime");
        List<String> events = new ArrayList<>();
        AcquisitionManifest m = MemoryAcquirer.acquire(source, out, AcquisitionRequest.of(ImageFormat.LIME)
                .withHooks(() -> events.add("pause"), () -> events.add("resume"))
                .withProgress((d, t) -> { if (events.getLast().equals("pause")) events.add("copy"); }));
        assertThat(events).containsExactly("pause", "copy", "resume");
        assertThat(m.mode()).isEqualTo("consistent");
        assertThat(m.pauseNanos()).isPositive();
        assertThat(m.sha256()).isEqualTo(sha256(out));
        assertThat(Files.size(out)).isEqualTo(2 * 32 + 0x5000);
        try (MemoryImage img = MemoryImages.open(out)) {
            assertThat(img.format()).isEqualTo(ImageFormat.LIME);
            assertThat(img.memory().readBytes(0x100000, 0x2000)).isEqualTo(source.readBytes(0x100000, 0x2000));
            assertThat(img.memory().ranges()).extracting(MemoryRange::size).containsExactly(0x3000L, 0x2000L);
        }
    }

    @Test
    void theCallerHasTheLastWordAfterTheVmIsResumedAndCanMarkTheImageIncomplete() throws Exception {
        Path out = dir.resolve("gone.lime");
        List<String> events = new ArrayList<>();
        AcquisitionManifest m = MemoryAcquirer.acquire(source, out, AcquisitionRequest.of(ImageFormat.LIME)
                .withSource("qemu/shared_ram", null)
                .withHooks(() -> events.add("pause"), () -> events.add("resume"))
                .withBeforeCommit(d -> {
                    events.add("commit");
                    return d.incomplete("source vanished: QEMU pid 42 exited during the acquisition");
                }));
        assertThat(events).containsExactly("pause", "resume", "commit");
        assertThat(m.complete()).isFalse();
        EvidenceManifest back = EvidenceManifest.read(MemoryAcquirer.manifestPath(out));
        assertThat(back.complete()).isFalse();
        assertThat(back.notes()).anyMatch(n -> n.startsWith("source vanished"));
        assertThat(back.source().backend()).isEqualTo("qemu/shared_ram");
        assertThat(back.method()).isEqualTo("consistent");
        assertThat(back.sha256()).isEqualTo(sha256(out));
    }

    @Test
    void interruptionLeavesNoFileAndStillResumes() {
        Path out = dir.resolve("vm.elf");
        List<String> events = new ArrayList<>();
        try {
            assertThatThrownBy(() -> MemoryAcquirer.acquire(source, out, AcquisitionRequest.of(ImageFormat.ELF_CORE)
                    .withChunkSize(4096)
                    .withHooks(() -> events.add("pause"), () -> events.add("resume"))
                    .withProgress((d, t) -> Thread.currentThread().interrupt())))
                    .isInstanceOfSatisfying(ChirpException.class,
                            e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.INTERRUPTED));
            assertThat(Thread.currentThread().isInterrupted()).as("interrupt status restored").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(events).containsExactly("pause", "resume");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("vm.elf.partial")).doesNotExist();
        assertThat(MemoryAcquirer.manifestPath(out)).doesNotExist();
    }

    @Test
    void aFailureMidCopyLeavesNoFile() {
        Path out = dir.resolve("vm.lime");
        assertThatThrownBy(() -> MemoryAcquirer.acquire(source, out, AcquisitionRequest.of(ImageFormat.LIME)
                .withChunkSize(4096)
                .withProgress((d, t) -> { if (d > 8192) throw new IllegalStateException("boom"); })))
                .hasMessage("boom");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("vm.lime.partial")).doesNotExist();
    }

    @Test
    void neverOverwritesAnImageOrSomeoneElsesPartialFile() throws IOException {
        Path out = Files.writeString(dir.resolve("exists.elf"), "evidence");
        assertThatThrownBy(() -> MemoryAcquirer.acquire(source, out, AcquisitionRequest.of(ImageFormat.ELF_CORE)))
                .isInstanceOfSatisfying(ChirpException.class, e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.USAGE));
        assertThat(Files.readString(out)).isEqualTo("evidence");
        Path other = dir.resolve("busy.elf");
        Path partial = Files.writeString(dir.resolve("busy.elf.partial"), "in progress");
        assertThatThrownBy(() -> MemoryAcquirer.acquire(source, other, AcquisitionRequest.of(ImageFormat.ELF_CORE)))
                .hasMessageContaining("exists");
        assertThat(partial).hasContent("in progress");
    }

    @Test
    void requestsAreValidated() {
        assertThatThrownBy(() -> AcquisitionRequest.of(ImageFormat.RAW)).isInstanceOf(ChirpException.class);
        assertThatThrownBy(() -> AcquisitionRequest.of(ImageFormat.LIME).withCpus(List.of(cpu(0, 0))))
                .hasMessageContaining("LiME");
    }
}
