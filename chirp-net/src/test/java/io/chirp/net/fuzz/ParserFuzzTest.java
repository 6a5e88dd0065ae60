package io.chirp.net.fuzz;

import io.chirp.core.ChirpException;
import io.chirp.net.decode.PacketDecoder;
import io.chirp.net.decode.Slice;
import io.chirp.net.flow.FlowTable;
import io.chirp.net.pcap.CaptureReader;
import io.chirp.net.pcap.LinkType;
import io.chirp.net.pcap.Packet;
import io.chirp.net.proto.AppProtocols;
import io.chirp.net.proto.DnsParser;
import io.chirp.net.proto.HttpParser;
import io.chirp.net.proto.TlsParser;
import io.chirp.net.decode.Transport;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A bounded, seeded mutation fuzz run over every parser that sees capture bytes, from the corpus in
 * src/test/resources/corpus (real QEMU filter-dump output, pcap and pcapng with every protocol decoded, a JDK
 * ClientHello, a DNS query). The only acceptable failure is a CORRUPT ChirpException when opening a file that is
 * no longer a capture; anything else, or a run over its time bound, fails with the seed and iteration.
 * More iterations: {@code -Dchirp.fuzz.iterations=100000}.
 */
class ParserFuzzTest {
    private static final int ITERATIONS = Integer.getInteger("chirp.fuzz.iterations", 20_000);
    private static final long SEED = Long.getLong("chirp.fuzz.seed", 0xC41B_2026L);

    private static byte[] corpus(String name) throws IOException {
        try (InputStream in = ParserFuzzTest.class.getResourceAsStream("/corpus/" + name)) {
            assertThat(in).as("corpus file " + name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void captureFilesNeverCrashOrHang() throws Exception {
        for (String seedFile : List.of("qemu-filter-dump-http.pcap", "synthetic.pcap", "synthetic.pcapng")) {
            byte[] seed = corpus(seedFile);
            Mutator m = new Mutator(SEED ^ seedFile.hashCode());
            assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
                for (int i = 0; i < ITERATIONS; i++) {
                    byte[] input = m.mutate(seed);
                    try {
                        runCapture(input);
                    } catch (Throwable t) {
                        throw new AssertionError("seed file " + seedFile + ", iteration " + i + ": " + t, t);
                    }
                }
            });
        }
    }

    @Test
    void framesAndPayloadsNeverCrash() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(corpus("synthetic.pcap")), "seed")) {
            for (Packet p = r.next(); p != null; p = r.next()) frames.add(p.data());
        }
        byte[] hello = corpus("clienthello.bin"), dns = corpus("dns-query.bin");
        Mutator m = new Mutator(SEED);
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int i = 0; i < ITERATIONS * 4; i++) {
                byte[] frame = m.mutate(frames.get(i % frames.size()));
                try {
                    for (int lt : new int[] {LinkType.ETHERNET, LinkType.RAW, LinkType.LINUX_SLL}) {
                        var d = PacketDecoder.decode(new Packet(1, 0, lt, frame.length, frame));
                        if (d instanceof io.chirp.net.decode.Decoded.IpPacket ip) AppProtocols.inspect(ip.transport());
                    }
                    Slice h = Slice.of(m.mutate(hello)), q = Slice.of(m.mutate(dns));
                    TlsParser.parse(h);
                    DnsParser.parse(q);
                    HttpParser.parse(h);
                    AppProtocols.inspect(new Transport.Udp(53, 53, q.length(), q));
                } catch (Throwable t) {
                    throw new AssertionError("iteration " + i + ": " + t, t);
                }
            }
        });
    }

    private static void runCapture(byte[] input) {
        CaptureReader r;
        try {
            r = CaptureReader.open(new ByteArrayInputStream(input), "fuzz");
        } catch (ChirpException e) {
            assertThat(e.kind()).isEqualTo(ChirpException.Kind.CORRUPT);
            return;
        }
        try (r) {
            FlowTable t = new FlowTable(1000);
            for (Packet p = r.next(); p != null; p = r.next()) {
                assertThat(p.data().length).isLessThanOrEqualTo(CaptureReader.MAX_PACKET);
                t.add(PacketDecoder.decode(p));
            }
            t.flows();
        }
    }
}
