package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class ProcessesIT {

    @Test
    void liveProcessListMatchesTheGuestsOwnView(LabGuest g) {
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            Processes.Listing l = new Processes(k).list(false, true);
            assertThat(l.walk().complete()).as(l.walk().problem()).isTrue();
            check(l.processes(), g.groundTruth());
        }
    }

    @Test
    void processListFromAQemuDumpMatchesToo(LabGuest g, @TempDir Path dir) throws Exception {
        Path dump = Guests.qemuDump(g, dir);
        try (MemoryImage img = MemoryImages.open(dump)) {
            // no registers used: the kernel is found from memory alone
            LinuxKernel k = LinuxKernel.attach(img.memory(), List.of());
            Processes.Listing l = new Processes(k).list(false, true);
            assertThat(l.walk().complete()).isTrue();
            check(l.processes(), g.groundTruth());
        }
    }

    /**
     * The incremental listing (what the monitor polls with) gives the rows of a full listing, cold and warm, on a
     * still image; on the live guest a task that execs while CHIRP watches is read again: same pid and start time,
     * the new program's command line.
     */
    @Test
    void incrementalListingEqualsTheFullOneAndSeesAnExec(LabGuest g, @TempDir Path dir) throws Exception {
        Path dump = Guests.qemuDump(g, dir);
        try (MemoryImage img = MemoryImages.open(dump)) {
            Processes ps = new Processes(LinuxKernel.attach(img.memory(), List.of()));
            List<LinuxProcess> full = ps.list(false, true).processes();
            Map<Long, Processes.Seen> seen = new java.util.HashMap<>();
            assertThat(ps.list(false, true, seen).processes()).isEqualTo(full);
            assertThat(seen).hasSize(full.size());
            assertThat(ps.list(false, true, seen).processes()).isEqualTo(full);
        }
        String marker = "chirp-exec-" + System.nanoTime() % 100000;
        g.shell("(sh -c 'sleep 15; exec /bin/sleep 600' " + marker + " >/dev/null 2>&1 &)", Duration.ofSeconds(60));
        try (LiveVm live = Guests.live(g)) {
            Processes ps = new Processes(LinuxKernel.attach(live.memory(), live.registers()));
            Map<Long, Processes.Seen> seen = new java.util.HashMap<>();
            LinuxProcess before = null, after = null;
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < deadline && after == null) {
                for (LinuxProcess p : ps.list(false, true, seen).processes()) {
                    if (before == null && p.cmdline() != null && p.cmdline().contains(marker)) before = p;
                    if (before != null && p.pid() == before.pid() && "/bin/sleep 600".equals(p.cmdline())) after = p;
                }
                Thread.sleep(200);
            }
            assertThat(before).as("the shell before its exec").isNotNull();
            assertThat(after).as("the same task after its exec, read again").isNotNull();
            assertThat(after.startSeconds()).isEqualTo(before.startSeconds());
            assertThat(after.mm()).as("a new mm after exec").isNotEqualTo(before.mm());
        }
    }

    /**
     * The guest's RAM as a 64 GiB sparse raw image, written the way a lightly used guest's RAM file looks (all-zero
     * pages left as holes): discovery scans only the data, so the listing comes quickly and matches.
     */
    @Test
    void processListFromASparseSixtyFourGibRawImage(LabGuest g, @TempDir Path dir) throws Exception {
        Path dump = Guests.qemuDump(g, dir);
        Path raw = dir.resolve("sparse-64g.raw");
        try (MemoryImage img = MemoryImages.open(dump);
             java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(raw,
                     java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            byte[] page = new byte[4096];
            for (io.chirp.core.MemoryRange r : img.memory().ranges()) {
                for (long pa = r.start(); pa + page.length <= r.end(); pa += page.length) {
                    img.memory().read(pa, java.lang.foreign.MemorySegment.ofArray(page), 0, page.length);
                    boolean zero = true;
                    for (int i = 0; i < page.length && zero; i += 8) zero = java.nio.ByteBuffer.wrap(page, i, 8).getLong() == 0;
                    if (!zero) out.write(java.nio.ByteBuffer.wrap(page), pa);
                }
            }
            out.truncate(64L << 30);
            if (out.size() < (64L << 30)) out.write(java.nio.ByteBuffer.wrap(new byte[1]), (64L << 30) - 1);
        }
        assertThat(java.nio.file.Files.size(raw)).isEqualTo(64L << 30);
        long t0 = System.nanoTime();
        try (MemoryImage img = MemoryImages.open(raw)) {
            long data = img.memory().populated().stream().mapToLong(io.chirp.core.MemoryRange::size).sum();
            assertThat(data).isLessThan(g.memoryBytes());
            LinuxKernel k = LinuxKernel.attach(img.memory(), List.of());
            Processes.Listing l = new Processes(k).list(false, true);
            assertThat(l.walk().complete()).as(l.walk().problem()).isTrue();
            check(l.processes(), g.groundTruth());
        }
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds to attach and list").isLessThan(60);
    }

    /** A command line past Processes.MAX_CMDLINE is cut there, and the row says so; a short one is not marked. */
    @Test
    void aCommandLineLongerThanTheCapIsMarkedTruncated(LabGuest g) {
        // sh keeps the 70000-byte argument in its own argv while it waits for sleep (the "; :" stops it exec'ing)
        int pid = Integer.parseInt(GuestShell.run(g, "L=$(head -c 70000 /dev/zero | tr '\\000' A); "
                + "sh -c 'sleep 100000; :' chirp-long \"$L\" & p=$!; sleep 2; echo $p", Duration.ofSeconds(90)).strip());
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            List<LinuxProcess> all = new Processes(k).list(false, true).processes();
            LinuxProcess sh = all.stream().filter(p -> p.pid() == pid).findFirst().orElseThrow();
            assertThat(sh.cmdlineTruncated()).isTrue();
            assertThat(sh.cmdline()).startsWith("sh -c sleep 100000; : chirp-long AAAA").hasSize(Processes.MAX_CMDLINE);
            assertThat(all).filteredOn(p -> !p.kernelThread() && p.pid() != pid && p.cmdline() != null)
                    .isNotEmpty().allSatisfy(p -> assertThat(p.cmdlineTruncated()).as("pid %s", p.pid()).isFalse());
        } finally {
            GuestShell.run(g, "kill " + pid, Duration.ofSeconds(60));
        }
    }

    @Test
    void threadsAndEnvironmentAreRead(LabGuest g) {
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            Processes ps = new Processes(k);
            List<LinuxProcess> withThreads = ps.list(true, false).processes();
            assertThat(withThreads).anySatisfy(p -> assertThat(p.pid()).isEqualTo(1));
            assertThat(withThreads).allSatisfy(p -> assertThat(p.tgid()).isNotNegative());
            LinuxProcess init = withThreads.stream().filter(p -> p.pid() == 1).findFirst().orElseThrow();
            assertThat(ps.environment(init)).anySatisfy(e -> assertThat(e).startsWith("HOME="));
        }
    }

    static void check(List<LinuxProcess> ours, GroundTruth gt) { check(ours, gt, 41); }

    /** @param minCompared how many processes must be compared field by field (cloud kernels run fewer threads) */
    static void check(List<LinuxProcess> ours, GroundTruth gt, int minCompared) {
        Map<Integer, LinuxProcess> byPid = ours.stream().collect(Collectors.toMap(LinuxProcess::pid, Function.identity()));
        // Every process that lived through the report and is still there must match field by field.
        int compared = 0;
        List<String> notCompared = new java.util.ArrayList<>();
        for (GroundTruth.Process p : gt.processes()) {
            LinuxProcess o = byPid.get(p.pid());
            // Scenario processes and the first two tasks live for the whole test; kernel threads and the beacon's
            // children may come and go (ext4lazyinit finishes, kworkers are recycled).
            boolean longLived = (p.ppid() == 1 && !p.args().equals("/bin/sleep 5")) || p.pid() <= 2;
            if (o == null) {
                assertThat(longLived).as("process %s (%s) is missing", p.pid(), p.comm()).isFalse();
                notCompared.add(p.pid() + "|" + p.ppid() + "|" + p.comm() + " (gone)");
                continue;
            }
            if (!o.comm().equals(p.comm())) { // pid reused by a short-lived process since the report
                notCompared.add(p.pid() + "|" + p.ppid() + "|" + p.comm() + " (now " + o.comm() + ")");
                continue;
            }
            compared++;
            assertThat(o.ppid()).as("ppid of %s", p.pid()).isEqualTo(p.ppid());
            assertThat(o.uid()).as("uid of %s", p.pid()).isEqualTo(p.uid());
            assertThat(o.cmdline() == null ? "" : o.cmdline()).as("cmdline of %s", p.pid()).isEqualTo(p.args());
        }
        assertThat(compared).as("processes compared; not compared (pid|ppid|comm): %s", notCompared)
                .isGreaterThanOrEqualTo(minCompared);
        LinuxProcess miner = ours.stream().filter(p -> p.comm().equals("evil_miner")).findFirst().orElseThrow();
        assertThat(miner.cmdline()).isEqualTo("sleep 100000");
        assertThat(miner.exe()).isEqualTo("/tmp/evil_miner");
        LinuxProcess alice = ours.stream().filter(p -> p.comm().equals("kworkerd")).findFirst().orElseThrow();
        assertThat(alice.uid()).isEqualTo(1000);
        assertThat(alice.kernelThread()).isFalse();
        assertThat(ours.stream().filter(p -> p.pid() == 2).findFirst().orElseThrow().kernelThread()).isTrue();
    }
}
