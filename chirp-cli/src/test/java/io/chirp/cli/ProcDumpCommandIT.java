package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chirp linux procdump} of the miner: readelf and gdb accept the core, its PT_LOADs are the guest's own
 * /proc/PID/maps, and every resident page of the executable's text and headers (in the core and in the rebuilt
 * executable) is the executable's bytes (the file itself taken from the page cache and held to the guest's sha256sum).
 */
@WithLabGuest
class ProcDumpCommandIT {
    private static final Pattern RANGE = Pattern.compile("0x([0-9a-f]+)-0x([0-9a-f]+)");

    record Load(long vaddr, long offset, long filesz, long memsz, int flags) {}

    static List<Load> loads(byte[] core) {
        ByteBuffer b = ByteBuffer.wrap(core).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getShort(16)).isEqualTo((short) 4); // ET_CORE
        long phoff = b.getLong(32);
        int n = b.getShort(56) & 0xffff;
        List<Load> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int p = (int) phoff + 56 * i;
            if (b.getInt(p) == 1) out.add(new Load(b.getLong(p + 16), b.getLong(p + 8), b.getLong(p + 32), b.getLong(p + 40), b.getInt(p + 4)));
        }
        return out;
    }

    static String run(String... cmd) throws Exception {
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String o = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pr.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(pr.exitValue()).as(String.join(" ", cmd) + ": " + o).isZero();
        return o;
    }

    @Test
    void theMinersCoreIsWhatTheGuestMapsAndTheExecutablesBytes(LabGuest g, @TempDir Path dir) throws Exception {
        int pid = g.groundTruth().processes().stream().filter(p -> p.comm().equals("evil_miner")).findFirst().orElseThrow().pid();
        // The guest's maps travel through a tmpfs file held to the guest's sha256sum: the serial log can garble text.
        String mapsSha = g.shell("cat /proc/" + pid + "/maps > /tmp/miner.maps; sha256sum /tmp/miner.maps",
                Duration.ofSeconds(120)).strip().split("\\s+")[0];
        String sha = g.shell("sha256sum /tmp/evil_miner", Duration.ofSeconds(120)).strip().split("\\s+")[0];
        CommandTreeTest.Run mf = CommandTreeTest.run("linux", "files", "--vm", g.name(), "--extract", "/tmp/miner.maps",
                "-o", dir.resolve("maps").toString());
        assertThat(mf.out()).as(mf.err()).contains("sha256 " + mapsSha);
        List<String> maps = Files.readAllLines(dir.resolve("maps"));
        assertThat(maps).as("the guest's maps").hasSizeGreaterThan(3);
        CommandTreeTest.Run f = CommandTreeTest.run("linux", "files", "--vm", g.name(), "--extract", "/tmp/evil_miner",
                "-o", dir.resolve("exe").toString());
        assertThat(f.out()).as(f.err()).contains("sha256 " + sha);
        byte[] exe = Files.readAllBytes(dir.resolve("exe"));

        CommandTreeTest.Run d = CommandTreeTest.run("linux", "procdump", "--vm", g.name(), "--pid", Integer.toString(pid),
                "-o", dir.resolve("dump").toString(), "--exe");
        assertThat(d.code()).as(d.err()).isIn(ExitCode.OK.code(), ExitCode.PARTIAL.code());
        Path corePath = dir.resolve("dump/pid-" + pid + ".core");
        byte[] core = Files.readAllBytes(corePath);
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("dump/pid-" + pid + ".core.manifest.json").toFile());
        assertThat(manifest.toString()).contains("process-core");

        // readelf and gdb read it; gdb's mappings (from NT_FILE) are the guest's file mappings
        String readelf = run("readelf", "-lW", corePath.toString());
        assertThat(readelf).doesNotContain("Warning", "Error").contains("CORE (Core file)");
        String gdb = run("gdb", "-nx", "-batch", "-c", corePath.toString(), "-ex", "info proc mappings");
        for (String m : maps) {
            if (m.contains("/tmp/evil_miner")) assertThat(gdb).contains("0x" + Long.toHexString(Long.parseLong(m.substring(0, m.indexOf('-')), 16)));
        }
        assertThat(gdb).contains("/tmp/evil_miner");

        // one PT_LOAD per line of the guest's maps, same ranges and permissions
        List<Load> loads = loads(core);
        assertThat(loads).as("guest maps %s", maps).hasSize(maps.size());
        for (int i = 0; i < maps.size(); i++) {
            String[] cols = maps.get(i).trim().split("\\s+");
            String[] range = cols[0].split("-");
            Load l = loads.get(i);
            assertThat(l.vaddr()).as(maps.get(i)).isEqualTo(Long.parseUnsignedLong(range[0], 16));
            assertThat(l.vaddr() + l.memsz()).as(maps.get(i)).isEqualTo(Long.parseUnsignedLong(range[1], 16));
            assertThat((l.flags() & 4) != 0).as(maps.get(i)).isEqualTo(cols[1].charAt(0) == 'r');
        }

        // resident pages of the read-only file mappings hold the executable's bytes
        List<long[]> nonResident = new ArrayList<>();
        for (JsonNode n : manifest.get("notes")) {
            Matcher m = RANGE.matcher(n.asText());
            if (n.asText().startsWith("not resident")) while (m.find()) nonResident.add(new long[] {Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16)});
        }
        int compared = 0;
        for (int i = 0; i < maps.size(); i++) {
            String[] cols = maps.get(i).trim().split("\\s+");
            // the text and the headers: never written (a read-only data VMA can be RELRO, written before mprotect)
            if (!maps.get(i).endsWith("/tmp/evil_miner") || cols[1].contains("w")
                    || !(cols[1].contains("x") || Long.parseLong(cols[2], 16) == 0)) continue;
            Load l = loads.get(i);
            long fileOff = Long.parseLong(cols[2], 16);
            for (long va = l.vaddr(); va < l.vaddr() + l.filesz(); va += 4096) {
                long v = va;
                if (nonResident.stream().anyMatch(r -> v >= r[0] && v < r[1])) continue;
                int at = (int) (l.offset() + (va - l.vaddr()));
                int inFile = (int) (fileOff + (va - l.vaddr()));
                int len = Math.min(4096, exe.length - inFile);
                assertThat(Arrays.copyOfRange(core, at, at + len)).as("page 0x%x", va).isEqualTo(Arrays.copyOfRange(exe, inFile, inFile + len));
                compared++;
            }
        }
        assertThat(compared).as("resident read-only pages compared").isGreaterThan(10);

        // --exe: the rebuilt executable starts with the file's ELF header and program headers
        try (var files = Files.list(dir.resolve("dump/pid-" + pid + "-files"))) {
            Path rebuilt = files.filter(p -> p.getFileName().toString().endsWith("-evil_miner")).findFirst().orElseThrow();
            byte[] rb = Files.readAllBytes(rebuilt);
            assertThat(Arrays.copyOfRange(rb, 0, 4096)).isEqualTo(Arrays.copyOfRange(exe, 0, 4096));
            assertThat(run("readelf", "-hW", rebuilt.toString())).contains("EXEC (Executable file)", "X86-64");
        }
    }
}
