package io.chirp.net.pcap;

import io.chirp.core.ChirpException;
import io.chirp.net.testing.Tshark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CaptureFilesTest {
    @TempDir Path dir;

    private static List<Packet> samples() {
        List<Packet> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            byte[] d = new byte[60 + i * 7];
            Arrays.fill(d, (byte) (i + 1));
            out.add(new Packet(i + 1, 1_700_000_000_123_456_789L + i * 1_000_000_001L, LinkType.ETHERNET, d.length + (i == 3 ? 100 : 0), d));
        }
        return out;
    }

    private static byte[] write(CaptureFormat f, List<Packet> packets) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CaptureWriter w = CaptureWriter.create(bytes, f, LinkType.ETHERNET)) {
            packets.forEach(w::write);
        }
        return bytes.toByteArray();
    }

    private static List<Packet> readAll(byte[] file, CaptureFormat expected) {
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(file), "test")) {
            assertThat(r.format()).isEqualTo(expected);
            List<Packet> out = new ArrayList<>();
            for (Packet p = r.next(); p != null; p = r.next()) out.add(p);
            assertThat(r.problem()).isEmpty();
            return out;
        }
    }

    @Test
    void bothFormatsRoundTripBytesLengthsAndNanosecondTimes() {
        for (CaptureFormat f : CaptureFormat.values()) {
            List<Packet> back = readAll(write(f, samples()), f);
            assertThat(back).hasSize(5);
            for (int i = 0; i < 5; i++) {
                Packet a = samples().get(i), b = back.get(i);
                assertThat(b.number()).isEqualTo(i + 1);
                assertThat(b.data()).isEqualTo(a.data());
                assertThat(b.originalLength()).isEqualTo(a.originalLength());
                assertThat(b.timestampNanos()).as(f + " ts").isEqualTo(a.timestampNanos());
                assertThat(b.linkType()).isEqualTo(LinkType.ETHERNET);
            }
        }
    }

    @Test
    void tsharkReadsWhatWeWriteIdentically() throws IOException {
        for (CaptureFormat f : CaptureFormat.values()) {
            Path file = dir.resolve("w." + f.name().toLowerCase());
            Files.write(file, write(f, samples()));
            String fields = Tshark.read(file, "-T", "fields", "-e", "frame.number", "-e", "frame.len", "-e", "frame.cap_len",
                    "-e", "frame.time_epoch");
            List<String> expected = new ArrayList<>();
            for (Packet p : samples()) {
                expected.add(p.number() + "\t" + p.originalLength() + "\t" + p.data().length + "\t"
                        + p.timestampNanos() / 1_000_000_000L + "." + String.format("%09d", p.timestampNanos() % 1_000_000_000L));
            }
            assertThat(fields.strip().lines().toList()).as(f.name()).isEqualTo(expected);
        }
    }

    @Test
    void readsPcapngThatEditcapWrote() throws IOException {
        Path pcap = dir.resolve("in.pcap"), ng = dir.resolve("out.pcapng");
        Files.write(pcap, write(CaptureFormat.PCAP, samples()));
        Tshark.run(List.of("editcap", "-F", "pcapng", pcap.toString(), ng.toString()));
        List<Packet> back = readAll(Files.readAllBytes(ng), CaptureFormat.PCAPNG);
        assertThat(back).hasSize(5);
        assertThat(back.get(4).data()).isEqualTo(samples().get(4).data());
        assertThat(back.get(2).timestampNanos()).isEqualTo(samples().get(2).timestampNanos());
    }

    @Test
    void aTimeShiftMovesEveryTimestampAndKeepsEveryOtherByte() throws IOException {
        long shift = 3_723_000_250_000L; // 1 h 2 min 3.00025 s, as QEMU's clock runs ahead of the host's
        byte[] src = write(CaptureFormat.PCAP, samples());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapTimeShift.copy(new ByteArrayInputStream(src), out, shift);
        byte[] shifted = out.toByteArray();
        assertThat(shifted).hasSameSizeAs(src);
        List<Packet> a = readAll(src, CaptureFormat.PCAP), b = readAll(shifted, CaptureFormat.PCAP);
        for (int i = 0; i < a.size(); i++) {
            // CHIRP's writer keeps nanoseconds (QEMU's file has microseconds: bigEndianMicrosecondPcap reads those)
            assertThat(b.get(i).timestampNanos()).isEqualTo(a.get(i).timestampNanos() - shift);
            assertThat(b.get(i).data()).isEqualTo(a.get(i).data());
            assertThat(b.get(i).originalLength()).isEqualTo(a.get(i).originalLength());
        }
        // only the 8 timestamp bytes of each record differ
        int differing = 0;
        for (int i = 0; i < src.length; i++) if (src[i] != shifted[i]) differing++;
        assertThat(differing).isPositive().isLessThanOrEqualTo(8 * a.size());
        assertThat(Arrays.copyOf(shifted, 24)).isEqualTo(Arrays.copyOf(src, 24));
        // a torn last record is copied as it is, as a plain copy would
        byte[] cut = Arrays.copyOf(src, src.length - 10);
        ByteArrayOutputStream out2 = new ByteArrayOutputStream();
        PcapTimeShift.copy(new ByteArrayInputStream(cut), out2, shift);
        assertThat(out2.toByteArray()).hasSameSizeAs(cut);
        // through the evidence export, with the offset in the manifest
        Path source = dir.resolve("qemu.pcap");
        Files.write(source, src);
        CaptureExport.Exported e = CaptureExport.export(source, dir.resolve("host.pcap"), CaptureFormat.PCAP,
                new io.chirp.evidence.EvidenceManifest.Source("t", "test", java.util.Map.of()), "capture", List.of(), shift,
                java.util.Map.of("clock_offset_ns", shift));
        assertThat(Files.readAllBytes(e.file())).isEqualTo(shifted);
        assertThat(Files.readString(dir.resolve("host.pcap.manifest.json"))).contains("\"clock_offset_ns\"");
        CaptureExport.Exported ng = CaptureExport.export(source, dir.resolve("host.pcapng"), CaptureFormat.PCAPNG,
                new io.chirp.evidence.EvidenceManifest.Source("t", "test", java.util.Map.of()), "capture", List.of(), shift,
                java.util.Map.of());
        List<Packet> c = readAll(Files.readAllBytes(ng.file()), CaptureFormat.PCAPNG);
        assertThat(c).extracting(Packet::timestampNanos).isEqualTo(a.stream().map(p -> p.timestampNanos() - shift).toList());
    }

    @Test
    void bigEndianMicrosecondPcap() {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + 4).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        b.putInt(10).putInt(999_999).putInt(4).putInt(4).putInt(0xdeadbeef);
        List<Packet> ps = readAll(b.array(), CaptureFormat.PCAP);
        assertThat(ps).singleElement().satisfies(p -> {
            assertThat(p.timestampNanos()).isEqualTo(10_999_999_000L);
            assertThat(p.data()).containsExactly(0xde, 0xad, 0xbe, 0xef);
        });
    }

    @Test
    void truncatedRecordGivesPartialResultMarked() {
        byte[] full = write(CaptureFormat.PCAP, samples());
        byte[] cut = Arrays.copyOf(full, full.length - 10);
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(cut), "cut.pcap")) {
            int n = 0;
            while (r.next() != null) n++;
            assertThat(n).isEqualTo(4);
            assertThat(r.problem()).hasValueSatisfying(s -> assertThat(s).contains("record 5").contains("truncated"));
            assertThat(r.next()).isNull();
        }
    }

    @Test
    void hugeRecordLengthIsCorruptionNotAnAllocation() {
        byte[] f = write(CaptureFormat.PCAP, samples().subList(0, 1));
        ByteBuffer b = ByteBuffer.allocate(f.length + 16).order(ByteOrder.LITTLE_ENDIAN).put(f);
        b.putInt(1).putInt(0).putInt(0x7fff_fff0).putInt(0x7fff_fff0);
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(b.array()), "huge.pcap")) {
            assertThat(r.next()).isNotNull();
            assertThat(r.next()).isNull();
            assertThat(r.problem()).hasValueSatisfying(s -> assertThat(s).contains("2147483632").contains("limit"));
        }
    }

    @Test
    void recordsLargerThanTheClaimedSnapLengthAreKeptAsWiresharkDoes() {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + 100).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(64).putInt(1);
        b.putInt(1).putInt(0).putInt(100).putInt(100);
        assertThat(readAll(b.array(), CaptureFormat.PCAP)).singleElement().satisfies(p -> assertThat(p.data()).hasSize(100));
    }

    @Test
    void notACaptureFileFailsClearly() {
        assertThatThrownBy(() -> CaptureReader.open(new ByteArrayInputStream("hello world, not a pcap".getBytes()), "x"))
                .isInstanceOf(ChirpException.class).hasMessageContaining("not a pcap or pcapng file")
                .extracting(e -> ((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.CORRUPT);
        assertThatThrownBy(() -> CaptureReader.open(new ByteArrayInputStream(new byte[2]), "x"))
                .isInstanceOf(ChirpException.class);
        assertThatThrownBy(() -> CaptureReader.open(dir.resolve("missing.pcap")))
                .isInstanceOf(ChirpException.class).extracting(e -> ((ChirpException) e).kind())
                .isEqualTo(ChirpException.Kind.NOT_FOUND);
    }

    @Test
    void pcapngSkipsUnknownBlocksAndReadsSimplePacketBlocks() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] written = write(CaptureFormat.PCAPNG, samples().subList(0, 1));
        out.writeBytes(written);
        out.writeBytes(block(0x0BAD, new byte[40]));                      // custom/unknown: skipped
        ByteBuffer spb = ByteBuffer.allocate(4 + 8).order(ByteOrder.LITTLE_ENDIAN).putInt(6).put(new byte[] {1, 2, 3, 4, 5, 6, 0, 0});
        out.writeBytes(block(3, spb.array()));
        List<Packet> ps = readAll(out.toByteArray(), CaptureFormat.PCAPNG);
        assertThat(ps).hasSize(2);
        assertThat(ps.get(1).data()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(ps.get(1).number()).isEqualTo(2);
    }

    @Test
    void pcapngWithBadTrailerOrUndeclaredInterfaceEndsMarked() {
        byte[] ok = write(CaptureFormat.PCAPNG, samples().subList(0, 2));
        byte[] bad = ok.clone();
        bad[bad.length - 1] ^= 0x40;                                      // trailing length of the last block
        assertThat(partial(bad)).isEqualTo(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ok);
        ByteBuffer epb = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(0).putInt(0).putInt(4).putInt(4).putInt(0);
        out.writeBytes(block(6, epb.array()));
        assertThat(partial(out.toByteArray())).isEqualTo(2);
    }

    @Test
    void writerRefusesMixedLinkTypesInPcap() {
        try (CaptureWriter w = CaptureWriter.create(OutputStream.nullOutputStream(), CaptureFormat.PCAP, LinkType.ETHERNET)) {
            assertThatThrownBy(() -> w.write(new Packet(1, 0, LinkType.RAW, 1, new byte[1])))
                    .isInstanceOf(ChirpException.class).hasMessageContaining("pcapng");
        }
    }

    private static int partial(byte[] file) {
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(file), "t")) {
            int n = 0;
            while (r.next() != null) n++;
            assertThat(r.problem()).isPresent();
            return n;
        }
    }

    static byte[] block(int type, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(12 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putInt(type).putInt(12 + body.length).put(body).putInt(12 + body.length).array();
    }
}
