package io.chirp.bench;

import io.chirp.disk.block.BlockSource;
import io.chirp.disk.block.DiskImages;
import io.chirp.disk.fs.FileSystem;
import io.chirp.disk.fs.FileSystems;
import io.chirp.disk.fs.FileWalker;
import io.chirp.net.flow.FlowReport;
import io.chirp.net.flow.Flows;
import io.chirp.net.pcap.Packet;
import io.chirp.net.pcap.PcapWriter;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * CHIRP against the peer tools it is tested against, on the same input in the same run: a full recursive listing of
 * an ext4 image with tens of thousands of files (vs {@code fls -r}) and packets parsed into flows (vs {@code tshark}).
 * Both sides include their process start (CHIRP runs as a fresh JVM, as an analyst would run it).
 */
final class OracleBench {
    record Row(String what, double chirpSeconds, double peerSeconds, String peer) {}

    static List<Row> run(Path scratch, String classpath) throws Exception {
        List<Row> rows = new ArrayList<>();
        Files.createDirectories(scratch);
        // an ext4 image with 30,000 files in 300 folders
        Path root = scratch.resolve("tree");
        Path img = scratch.resolve("many.ext4");
        delete(root);
        Files.deleteIfExists(img);
        for (int d = 0; d < 300; d++) {
            Path dir = Files.createDirectories(root.resolve("d" + d));
            for (int f = 0; f < 100; f++) Files.writeString(dir.resolve("f" + f + ".txt"), "file " + d + "/" + f + "\n");
        }
        exec(List.of("truncate", "-s", "256M", img.toString()));
        exec(List.of("mkfs.ext4", "-q", "-F", "-d", root.toString(), img.toString()));
        delete(root);
        try (BlockSource src = DiskImages.open(img); FileSystem fs = FileSystems.open(src)) {
            int files = FileWalker.walk(fs).records().size();
            rows.add(new Row("full recursive listing, ext4 image with " + files + " entries (warm JVM)",
                    best(() -> FileWalker.walk(FileSystems.open(src)).records().size()), time(List.of("fls", "-r", "-m", "/", img.toString())),
                    "fls -r -m /"));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        rows.add(new Row("full recursive listing, same image, chirp disk ls -r as a command",
                time(List.of(java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", classpath, "io.chirp.cli.Main",
                        "disk", "ls", "--image", img.toString(), "-r", "--format", "csv")),
                time(List.of("fls", "-r", "-m", "/", img.toString())), "fls -r -m /"));
        Files.deleteIfExists(img);

        // 200,000 TCP packets over 2,000 connections
        Path pcap = scratch.resolve("flows.pcap");
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(pcap), 1 << 20)) {
            PcapWriter w = new PcapWriter(o, 1, false);
            for (int k = 0; k < 200_000; k++) w.write(new Packet(k + 1, 1_700_000_000_000_000_000L + k * 1000L, 1, 74, tcp(k)));
            w.close();
        }
        rows.add(new Row("200,000 packets into flows (warm JVM)", best(() -> Flows.read(pcap).flows().size()),
                time(List.of("tshark", "-r", pcap.toString(), "-q", "-z", "conv,tcp")), "tshark -q -z conv,tcp"));
        rows.add(new Row("200,000 packets into flows, chirp net flows as a command",
                time(List.of(java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", classpath, "io.chirp.cli.Main",
                        "net", "flows", pcap.toString(), "--format", "csv")),
                time(List.of("tshark", "-r", pcap.toString(), "-q", "-z", "conv,tcp")), "tshark -q -z conv,tcp"));
        Files.deleteIfExists(pcap);
        return rows;
    }

    /** An Ethernet/IPv4/TCP frame of 74 bytes: 2,000 client ports talking to one server, 100 segments each. */
    private static byte[] tcp(int k) {
        ByteBuffer b = ByteBuffer.allocate(74);
        b.put(new byte[] {0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x52, 0x55, 0x0a, 0, 2, 2}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 60).putShort((short) k).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 6).putShort((short) 0);
        b.put(new byte[] {10, 0, 2, 15}).put(new byte[] {10, 0, 2, 100});
        b.putShort((short) (30000 + k % 2000)).putShort((short) 8000).putInt(k).putInt(0)
                .put((byte) 0x50).put((byte) 0x18).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        b.put("payload-".getBytes(), 0, 8).put(new byte[] {0, 0, 0, 0, 0, 0});
        return b.array();
    }

    interface Work { Object run() throws Exception; }

    private static double best(Work w) throws Exception {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            long t0 = System.nanoTime();
            w.run();
            if (i > 0) best = Math.min(best, (System.nanoTime() - t0) / 1e9); // the first run warms the JVM
        }
        return best;
    }

    private static double time(List<String> cmd) throws Exception {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IllegalStateException(cmd + " failed");
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private static void exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(cmd + ": " + out);
    }

    private static void delete(Path p) throws Exception {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
