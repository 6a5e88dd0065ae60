package io.chirp.libvirt;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.UnmappedException;
import io.chirp.core.PhysicalMemory;
import io.chirp.hypervisor.qemu.HmpRegisters;
import io.chirp.lab.Lab;
import io.chirp.lab.LabDomain;
import io.chirp.lab.WithLibvirtDomain;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.RamLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The binding against a real libvirtd and a booted lab domain. */
// Bounded: the first test of a JVM also boots the domain (under TCG and load, up to a few minutes).
@Timeout(value = 8, unit = TimeUnit.MINUTES)
@WithLibvirtDomain
class LibvirtDomainIT {

    @Test
    void listsTheLabDomainWithNameUuidAndState(LabDomain d) {
        String uuid = d.daemon().virsh(Duration.ofSeconds(30), "domuuid", d.name()).strip();
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri())) {
            assertThat(c.domains()).anySatisfy(i -> {
                assertThat(i.name()).isEqualTo(d.name());
                assertThat(i.uuid()).isEqualTo(uuid);
                assertThat(i.state()).isEqualTo(DomainState.RUNNING);
                assertThat(i.id()).isPositive();
                assertThat(i.persistent()).as("created, not defined").isFalse();
            });
            // the private daemon sees only the domains the lab made in it, never the plain QEMU guests on the host
            assertThat(c.domains()).allSatisfy(i -> assertThat(i.name()).startsWith("chirp-"));
        }
    }

    @Test
    void failuresAreClearAndBounded(LabDomain d) {
        Path missing = d.daemon().dir().resolve("no-such-sock");
        long start = System.nanoTime();
        assertThatThrownBy(() -> LibvirtConnection.open("qemu+unix:///system?socket=" + missing))
                .isInstanceOf(ChirpException.class).hasMessageContaining("cannot connect to libvirt")
                .hasMessageContaining(missing.toString());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        LibvirtConnection c = LibvirtConnection.open(d.daemon().uri());
        try (c; LibvirtDomain dom = c.domain(d.name())) {
            assertThatThrownBy(() -> c.domain("chirp-no-such-domain")).isInstanceOf(ChirpException.class)
                    .hasMessageContaining("no libvirt domain named chirp-no-such-domain");
            assertThatThrownBy(() -> dom.qmp("no-such-command", null)).isInstanceOf(ChirpException.class)
                    .hasMessageContaining("no-such-command");
            // the peek path refuses what is not RAM (the PCI hole of a 512 MiB guest) before asking libvirt
            try (PhysicalMemory slow = DomainMemory.peek(dom, DomainMemory.mainLayout(dom, dom.hmp("info mtree -f")))) {
                assertThatThrownBy(() -> slow.readBytes(0xF000_0000L, 16)).isInstanceOf(UnmappedException.class);
            }
        }
        assertThatThrownBy(c::domains).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void lifecycleEventsArriveLive(LabDomain d) throws Exception {
        BlockingQueue<LifecycleEvent> events = new LinkedBlockingQueue<>();
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri());
             LibvirtDomain dom = c.domain(d.name())) {
            c.onLifecycle(events::add);
            d.suspend();
            try {
                assertThat(next(events, d.name())).satisfies(e -> {
                    assertThat(e.type()).isEqualTo(LifecycleEvent.Type.SUSPENDED);
                    assertThat(e.detail()).as("paused by a client").isZero();
                });
                assertThat(dom.state()).isEqualTo(DomainState.PAUSED);
            } finally {
                d.resume();
            }
            assertThat(next(events, d.name()).type()).isEqualTo(LifecycleEvent.Type.RESUMED);
            assertThat(dom.state()).isEqualTo(DomainState.RUNNING);

            // A second, throw-away domain (it need not finish booting): its start and its destruction arrive too.
            // libvirt reports the start of a created domain as RESUMED (its CPUs started) and STARTED.
            LabDomain other = LabDomain.create(d.daemon(), Lab.Options.defaults()
                    .withScenario(io.chirp.lab.Scenario.named("minimal")).withName("chirp-events-" + d.daemon().id()));
            try {
                next(events, other.name(), LifecycleEvent.Type.STARTED);
            } finally {
                other.close();
            }
            LifecycleEvent stopped = next(events, other.name(), LifecycleEvent.Type.STOPPED);
            assertThat(stopped.type()).isEqualTo(LifecycleEvent.Type.STOPPED);
            assertThat(stopped.isDestroyed()).isTrue();
            assertThat(c.domains()).extracting(DomainInfo::name).doesNotContain(other.name()).contains(d.name());
        }
    }

    /** {@return the next event of {@code type} for {@code domain} within 60 s, passing over its other events} */
    private static LifecycleEvent next(BlockingQueue<LifecycleEvent> q, String domain, LifecycleEvent.Type type)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<LifecycleEvent.Type> seen = new java.util.ArrayList<>();
        while (System.nanoTime() < deadline) {
            LifecycleEvent e = q.poll(1, TimeUnit.SECONDS);
            if (e == null || !e.domain().equals(domain)) continue;
            if (e.type() == type) return e;
            seen.add(e.type());
        }
        throw new AssertionError("no " + type + " event of " + domain + " within 60 s; saw " + seen);
    }

    /** {@return the next event of {@code domain} within 60 s, failing the test if none comes} */
    private static LifecycleEvent next(BlockingQueue<LifecycleEvent> q, String domain) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            LifecycleEvent e = q.poll(1, TimeUnit.SECONDS);
            if (e != null && e.domain().equals(domain)) return e;
        }
        throw new AssertionError("no lifecycle event of " + domain + " within 60 s");
    }

    @Test
    void theRamFileLibvirtNamedIsMappedAndAgreesWithMemoryPeek(LabDomain d) {
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri());
             LibvirtDomain dom = c.domain(d.name())) {
            List<RamBackend> backends = dom.ramBackends();
            assertThat(backends).singleElement().satisfies(b -> {
                assertThat(b.type()).isEqualTo("memory-backend-file");
                assertThat(b.shared()).isTrue();
                assertThat(b.size()).isEqualTo(d.memoryBytes());
                assertThat(b.memPath()).startsWith(d.daemon().memoryBackingDir()).isRegularFile();
            });
            try (PhysicalMemory mem = DomainMemory.open(dom)) {
                assertThat(mem).isInstanceOf(MappedFileMemory.class);
                assertThat(mem.describe()).contains("zero-copy");
                // The kernel's code does not change while it runs: the two paths must agree byte for byte.
                // 200 KiB + 123 from an unaligned start: several 64 KiB peeks and a short last one.
                long pa = d.groundTruth().kernelCodePhys().orElseThrow() + 0x1234;
                int len = (200 << 10) + 123;
                byte[] mapped = mem.readBytes(pa, len);
                byte[] peeked = new byte[len];
                dom.memoryPeek(pa, MemorySegment.ofArray(peeked), 0, len);
                assertThat(peeked).isEqualTo(mapped);
                assertThat(mapped).as("not an empty page").containsAnyOf((byte) 0x48, (byte) 0xe8);
                // and the peek path as a PhysicalMemory reads the same
                RamLayout layout = DomainMemory.mainLayout(dom, dom.hmp("info mtree -f"));
                try (PhysicalMemory slow = DomainMemory.peek(dom, layout)) {
                    assertThat(slow.readBytes(pa, 4096)).isEqualTo(java.util.Arrays.copyOf(mapped, 4096));
                    assertThat(slow.ranges()).isEqualTo(mem.ranges());
                }
            }
        }
    }

    @Test
    void qmpAndHmpGoThroughLibvirtsMonitor(LabDomain d) {
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri());
             LibvirtDomain dom = c.domain(d.name())) {
            assertThat(dom.qmp("query-status", null).path("status").asText()).isEqualTo("running");
            List<CpuState> cpus = HmpRegisters.parse(dom.hmp("info registers -a"));
            assertThat(cpus).hasSize(1);
            assertThat(cpus.getFirst().cr3()).isPresent();
            assertThat(cpus.getFirst().cr3().getAsLong()).isNotZero();
            RamLayout layout = RamLayout.parse(dom.hmp("info mtree -f"), "pc.ram");
            // all of RAM but the legacy ROM shadows below 1 MiB, all of it in the one file
            assertThat(layout.size()).isBetween(d.memoryBytes() - (1 << 20), d.memoryBytes());
            assertThat(layout.fileSizeNeeded()).isEqualTo(d.memoryBytes());
            assertThat(layout.segments().getFirst().gpa()).isZero();
        }
    }

    @Test
    void disksAndNicsComeFromTheDomainXml(LabDomain d) {
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri());
             LibvirtDomain dom = c.domain(d.name())) {
            DomainXml x = dom.domainXml();
            assertThat(x.name()).isEqualTo(d.name());
            assertThat(x.uuid()).isEqualTo(dom.info().uuid());
            assertThat(x.memoryKiB() << 10).isEqualTo(d.memoryBytes());
            assertThat(x.sharedFileMemory()).isTrue();
            assertThat(x.disks()).singleElement().satisfies(k -> {
                assertThat(k.source()).isEqualTo(d.disk().toString());
                assertThat(k.format()).isEqualTo("qcow2");
                assertThat(k.target()).isEqualTo("vda");
                assertThat(k.bus()).isEqualTo("virtio");
                assertThat(k.readOnly()).isFalse();
                assertThat(k.alias()).isNotBlank();
            });
            assertThat(x.nics()).singleElement().satisfies(n -> {
                assertThat(n.type()).isEqualTo("udp");
                assertThat(n.mac()).isEqualTo(d.udpNicMac());
                assertThat(n.model()).isEqualTo("virtio");
                assertThat(n.source()).startsWith("127.0.0.1:");
            });
            // the guest's real NIC is QEMU's own, passed through: restricted user networking
            assertThat(x.qemuArgs()).anySatisfy(a -> assertThat(a).startsWith("user,").contains("restrict=on"));
        }
    }
}
