package io.chirp.linux;

import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.fs.Mounts;
import io.chirp.linux.fs.OpenFiles;
import io.chirp.linux.log.KernelLog;
import io.chirp.linux.mm.MemoryMaps;
import io.chirp.linux.net.Sockets;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The same views from a memory image QEMU dumped, attached with no registers: memory alone. */
@WithLabGuest
class ImageViewsIT {

    @Test
    void everyViewWorksOnAQemuDump(LabGuest g, @TempDir Path dir) throws Exception {
        // Fresh oracles, read just before the dump (other test classes may have changed the shared guest).
        SocketsIT.Oracle sockets = SocketsIT.Oracle.of(g);
        List<String> dmesg = GuestShell.run(g, "dmesg | tail -20", Duration.ofMinutes(2)).lines()
                .filter(l -> l.matches("^\\[\\s*\\d+\\.\\d{6}] .*"))
                .map(l -> KernelReader.decode(l.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))).toList();
        Path dump = Guests.qemuDump(g, dir);
        int pid1Maps;
        try (MemoryImage img = MemoryImages.open(dump)) {
            LinuxKernel k = LinuxKernel.attach(img.memory(), List.of());

            Sockets.Listing s = new Sockets(k).list();
            assertThat(s.complete()).as("%s", s.problems()).isTrue();
            SocketsIT.check(s.sockets(), sockets);

            OpenFiles.Listing f = new OpenFiles(k).list();
            assertThat(f.complete()).as("%s", f.problems()).isTrue();
            OpenFilesIT.check(f.files(), g.groundTruth());

            Mounts.Listing m = new Mounts(k).list();
            assertThat(m.complete()).isTrue();
            MountsIT.check(m.mounts(), g.groundTruth());

            List<LinuxProcess> chosen = MemoryMapsIT.chosen(new Processes(k).list(false, true).processes());
            assertThat(chosen).hasSizeGreaterThanOrEqualTo(4);
            MemoryMaps maps = new MemoryMaps(k);
            for (LinuxProcess p : chosen) {
                MemoryMaps.Listing l = maps.of(p);
                assertThat(l.complete()).as("%s", l.problems()).isTrue();
                assertThat(MemoryMapsIT.lines(l)).isEqualTo(MemoryMapsIT.procMaps(g, p.pid()));
            }
            pid1Maps = maps.list(pid -> pid == 1).getFirst().maps().size();

            KernelLog.Listing log = new KernelLog(k).read();
            assertThat(log.complete()).as(log.problem()).isTrue();
            List<String> ours = log.records().stream().flatMap(r -> r.dmesgLines().stream()).toList();
            assertThat(dmesg).isNotEmpty();
            assertThat(ours).containsSubsequence(dmesg);
        }
        assertThat(pid1Maps).isGreaterThan(5);
    }
}
