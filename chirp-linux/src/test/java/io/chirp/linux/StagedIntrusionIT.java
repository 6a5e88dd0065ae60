package io.chirp.linux;

import io.chirp.lab.GroundTruth;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import io.chirp.linux.fs.PageCache;
import io.chirp.linux.scan.MemoryScan;
import io.chirp.linux.scan.Yara;
import io.chirp.linux.integrity.IntegrityFinding;
import io.chirp.linux.integrity.IntegrityReport;
import io.chirp.linux.integrity.HeuristicsIT;
import io.chirp.hypervisor.LiveVm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A staged intrusion on a private guest (booted here: it loads a module, which would change the shared guest):
 * the standard scenario plus a harmless module under a rootkit's name (Debian's {@code dummy}, renamed to
 * {@code knark} and so unsigned), a {@code sleep} masquerade whose executable in /dev/shm deleted itself, and a
 * file deleted while a process holds it open (its only copy is the page cache).
 */
class StagedIntrusionIT {
    static final String GONE = "/tmp/loot.bin";
    static final String PLANT = "CHIRP-YARA-PLANT-51c3";
    private static LabGuest g;

    @BeforeAll
    static void boot() {
        Scenario s = Scenario.standard()
                .shell("insmod /lib/modules/extra/knark.ko")
                .shell("cp /bin/busybox /dev/shm/.rk && (exec -a sleep /dev/shm/.rk 400000) </dev/null >/dev/null 2>&1 &")
                .shell("sleep 1; rm /dev/shm/.rk")
                .shell("head -c 300001 /dev/urandom > " + GONE + " && sha256sum " + GONE + " > /tmp/loot.sha")
                .shell("(exec 3<" + GONE + "; exec /bin/sleep 300000) </dev/null >/dev/null 2>&1 &")
                .shell("sleep 1; rm " + GONE)
                .shell("(exec sh -c 'sleep 300003; : " + PLANT + "') </dev/null >/dev/null 2>&1 &");
        g = Lab.fromEnvironment().boot(Lab.Options.defaults().withScenario(s).withName("staged-" + ProcessHandle.current().pid()));
    }

    @AfterAll
    static void stop() {
        if (g != null) g.close();
    }

    @Test
    void rootkitNamedUnsignedModuleAndSelfDeletingMasqueradeAreFlagged() {
        // the guest's own view: knark loaded and tainted E (unsigned); the .rk process runs a deleted file
        String knark = g.groundTruth().section("modules").stream().filter(m -> m.startsWith("knark ")).findFirst()
                .orElseThrow(() -> new AssertionError("knark not loaded: " + g.groundTruth().section("modules")));
        assertThat(knark.strip()).endsWith("(E)");
        int rk = g.groundTruth().processes().stream().filter(p -> p.comm().equals(".rk")).mapToInt(GroundTruth.Process::pid)
                .findFirst().orElseThrow();
        assertThat(g.shell("readlink /proc/" + rk + "/exe", Duration.ofSeconds(120)).strip())
                .isEqualTo("/dev/shm/.rk (deleted)");

        IntegrityReport rep = HeuristicsIT.heuristics(g);
        assertThat(rep.section("rootkit_modules").orElseThrow().findings()).singleElement()
                .isInstanceOfSatisfying(IntegrityFinding.RootkitModule.class, f -> {
                    assertThat(f.name()).isEqualTo("knark");
                    assertThat(f.rootkit()).isEqualTo("Knark");
                    assertThat(f.severity()).isEqualTo(IntegrityFinding.Severity.CRITICAL);
                });
        assertThat(rep.section("module_taint").orElseThrow().findings()).singleElement()
                .isInstanceOfSatisfying(IntegrityFinding.TaintedModule.class, f -> {
                    assertThat(f.name()).isEqualTo("knark");
                    assertThat(f.taints()).isEqualTo("E");
                    assertThat(f.signatureOk()).isFalse();
                    assertThat(f.summary()).contains("unsigned");
                });
        List<IntegrityFinding> exes = rep.section("exe_location").orElseThrow().findings();
        assertThat(exes).extracting(f -> ((IntegrityFinding.SuspiciousExecutable) f).exe())
                .containsExactlyInAnyOrder("/tmp/evil_miner", "/dev/shm/.rk (deleted)");
        assertThat(rep.section("masquerade").orElseThrow().findings())
                .extracting(f -> ((IntegrityFinding.Masquerade) f).comm()).containsExactlyInAnyOrder("evil_miner", "kworkerd", ".rk");
        assertThat(rep.section("wx_memory").orElseThrow().findings()).isEmpty();
        assertThat(rep.section("orphans").orElseThrow().findings()).isEmpty();
    }

    @Test
    void aDeletedFileStillOpenComesOutOfThePageCacheByteExact() throws Exception {
        String sha = g.shell("cat /tmp/loot.sha", Duration.ofSeconds(120)).strip().split("\\s+")[0];
        assertThat(sha).hasSize(64);
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            PageCache pc = new PageCache(k);
            PageCache.Listing l = pc.list(false);
            PageCache.CachedFile f = PageCache.find(l, GONE, null, null).stream().filter(PageCache.CachedFile::deleted)
                    .findFirst().orElseThrow(() -> new AssertionError("no deleted " + GONE + " in " + l.files()));
            assertThat(f.fsType()).isEqualTo("tmpfs");
            assertThat(f.size()).isEqualTo(300001);
            assertThat(f.residentPages()).isEqualTo(f.pages());
            PageCacheIT.Extracted x = PageCacheIT.extract(pc, f);
            assertThat(x.result().complete()).as(x.result().problems().toString()).isTrue();
            assertThat(x.sha256()).isEqualTo(sha);
        }
    }

    @Test
    void yaraFindsAPlantedStringInAProcessAndARenamedModule() {
        GroundTruth.Process planted = g.groundTruth().processes().stream().filter(p -> p.args().contains(PLANT))
                .filter(p -> p.comm().equals("sh")).findFirst().orElseThrow();
        try (LiveVm live = Guests.live(g); Yara y = Yara.compile("rule plant { strings: $p = \"" + PLANT + "\" condition: $p }\n"
                + "rule knark { strings: $n = \"knark\" condition: $n }", 10, 1000)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            LinuxProcess p = new Processes(k).list(false, true).processes().stream().filter(x -> x.pid() == planted.pid())
                    .findFirst().orElseThrow();
            MemoryScan.Result r = new MemoryScan(k, y).process(p);
            assertThat(r.problems()).isEmpty();
            List<MemoryScan.Hit> plant = r.hits().stream().filter(h -> h.rule().equals("plant")).toList();
            assertThat(plant).isNotEmpty().allSatisfy(h -> assertThat(h.pid()).isEqualTo(planted.pid()));
            // one of them is the argument on the stack, where the guest's own cmdline has it
            assertThat(plant).anySatisfy(h -> assertThat(h.region()).endsWith("[stack]"));
            KernelReader user = k.reader().in(k.userSpace(k.reader().u64(p.mm() + k.layout().offset("mm_struct", "pgd"))));
            for (MemoryScan.Hit h : plant) {
                assertThat(new String(user.bytes(h.address(), PLANT.length()), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(PLANT);
            }

            MemoryScan.Result mods = new MemoryScan(k, y).modules();
            assertThat(mods.problems()).isEmpty();
            assertThat(mods.hits()).filteredOn(h -> h.rule().equals("knark")).isNotEmpty()
                    .allSatisfy(h -> assertThat(h.region()).isEqualTo("module knark"));
            assertThat(mods.hits()).filteredOn(h -> h.rule().equals("plant")).isEmpty();
        }
    }
}
