package io.chirp.libvirt;

import io.chirp.core.PhysicalMemory;
import io.chirp.hypervisor.qemu.HmpRegisters;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabDomain;
import io.chirp.lab.WithLibvirtDomain;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** An existing CHIRP view (chirp-linux's process list) over a libvirt domain, reached only through libvirt. */
// Bounded: the first test of a JVM also boots the domain (under TCG and load, up to a few minutes).
@Timeout(value = 8, unit = TimeUnit.MINUTES)
@WithLibvirtDomain
class LibvirtViewsIT {

    @Test
    void processListOverTheMappedRamMatchesTheGuestsGroundTruth(LabDomain d) {
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri());
             LibvirtDomain dom = c.domain(d.name());
             PhysicalMemory mem = DomainMemory.open(dom)) {
            LinuxKernel k = LinuxKernel.attach(mem, HmpRegisters.parse(dom.hmp("info registers -a")));
            Processes.Listing l = new Processes(k).list(false, true);
            assertThat(l.walk().complete()).as(l.walk().problem()).isTrue();
            check(l, d.groundTruth());
        }
    }

    @Test
    void theSameViewWorksOverMemoryPeekAlone(LabDomain d) {
        // No RAM file, no registers: the kernel found from memory read through virDomainMemoryPeek only.
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri());
             LibvirtDomain dom = c.domain(d.name());
             PhysicalMemory mem = DomainMemory.peek(dom, DomainMemory.mainLayout(dom, dom.hmp("info mtree -f")))) {
            LinuxKernel k = LinuxKernel.attach(mem, HmpRegisters.parse(dom.hmp("info registers -a")));
            Processes.Listing l = new Processes(k).list(false, true);
            assertThat(l.walk().complete()).as(l.walk().problem()).isTrue();
            check(l, d.groundTruth());
        }
    }

    private static void check(Processes.Listing l, GroundTruth gt) {
        Map<Integer, LinuxProcess> byPid = l.processes().stream()
                .collect(Collectors.toMap(LinuxProcess::pid, Function.identity(), (a, b) -> a));
        int compared = 0;
        for (GroundTruth.Process p : gt.processes()) {
            // scenario processes (children of init) and the first tasks live for the whole test
            boolean longLived = (p.ppid() == 1 && !p.args().equals("/bin/sleep 5")) || p.pid() <= 2;
            LinuxProcess o = byPid.get(p.pid());
            if (o == null) {
                assertThat(longLived).as("process %s (%s) is missing", p.pid(), p.comm()).isFalse();
                continue;
            }
            if (!o.comm().equals(p.comm())) continue; // a short-lived pid reused since the report
            compared++;
            assertThat(o.ppid()).as("ppid of %s", p.pid()).isEqualTo(p.ppid());
            assertThat(o.uid()).as("uid of %s", p.pid()).isEqualTo(p.uid());
            assertThat(o.cmdline() == null ? "" : o.cmdline()).as("cmdline of %s", p.pid()).isEqualTo(p.args());
        }
        assertThat(compared).isGreaterThan(40);
        LinuxProcess miner = l.processes().stream().filter(p -> p.comm().equals("evil_miner")).findFirst().orElseThrow();
        assertThat(miner.cmdline()).isEqualTo("sleep 100000");
        assertThat(miner.exe()).isEqualTo("/tmp/evil_miner");
        assertThat(l.processes()).anySatisfy(p -> {
            assertThat(p.comm()).isEqualTo("kworkerd");
            assertThat(p.uid()).isEqualTo(1000);
        });
    }
}
