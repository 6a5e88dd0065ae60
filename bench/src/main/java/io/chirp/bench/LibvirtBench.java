package io.chirp.bench;

import io.chirp.core.PhysicalMemory;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.qemu.HmpRegisters;
import io.chirp.lab.Lab;
import io.chirp.lab.LabDomain;
import io.chirp.lab.LabGuest;
import io.chirp.lab.LabHome;
import io.chirp.lab.LibvirtDaemon;
import io.chirp.libvirt.DomainMemory;
import io.chirp.libvirt.LibvirtConnection;
import io.chirp.libvirt.LibvirtDomain;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Processes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A libvirt domain against a direct QEMU lab VM, same lab image, same run: a process list (attach, kernel discovery,
 * task walk) through the back-end interface on each, the libvirt one also over {@code virDomainMemoryPeek} alone,
 * and sequential read throughput of the RAM-file and memoryPeek paths.
 */
final class LibvirtBench {
    record Row(String what, double millis, long rows, String note) {}

    private static final long READ = 16L << 20;

    static List<Row> run(int repeats) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (LabGuest g = LabFixture.boot("512M");
             LibvirtDaemon daemon = LibvirtDaemon.start(LabHome.fromEnvironment(), ProcessHandle.current().pid(), Duration.ofSeconds(60));
             // a boot under TCG on a shared, loaded machine can take longer than the lab's default 2 minutes
             LabDomain d = LabDomain.boot(daemon, new Lab.Options(null, io.chirp.lab.Scenario.standard(), 512L << 20, 1,
                     ProcessHandle.current().pid(), "", Duration.ofMinutes(6)))) {
            String uri = daemon.uri();
            pslist(g.name(), Optional.empty()); // warm-up: class loading, JIT
            rows.add(median("pslist, direct QEMU (qemu:" + g.name() + ", RAM file)", repeats, () -> pslist(g.name(), Optional.empty())));
            rows.add(median("pslist, libvirt domain (RAM file under memory_backing_dir)", repeats,
                    () -> pslist("libvirt:" + d.name(), Optional.of(uri))));
            try (LibvirtConnection c = LibvirtConnection.open(uri); LibvirtDomain dom = c.domain(d.name())) {
                String mtree = dom.hmp("info mtree -f");
                rows.add(median("pslist, libvirt domain over virDomainMemoryPeek only", Math.min(repeats, 3), () -> {
                    try (PhysicalMemory mem = DomainMemory.peek(dom, DomainMemory.mainLayout(dom, mtree))) {
                        LinuxKernel k = LinuxKernel.attach(mem, HmpRegisters.parse(dom.hmp("info registers -a")));
                        return new Processes(k).list(false, false).processes().size();
                    }
                }));
                rows.add(median("read 16 MiB, libvirt RAM file", repeats, () -> {
                    try (PhysicalMemory mem = DomainMemory.open(dom)) {
                        return read(mem);
                    }
                }));
                rows.add(median("read 16 MiB, virDomainMemoryPeek (64 KiB calls)", Math.min(repeats, 3), () -> {
                    try (PhysicalMemory mem = DomainMemory.peek(dom, DomainMemory.mainLayout(dom, mtree))) {
                        return read(mem);
                    }
                }));
            }
        }
        return rows;
    }

    private static long pslist(String spec, Optional<String> connect) {
        try (VmHandle h = VmBackends.open(spec, connect)) {
            LinuxKernel k = LinuxKernel.attach(h.memory(), h.registers());
            return new Processes(k).list(false, false).processes().size();
        }
    }

    /** {@return the bytes read: 16 MiB from 16 MiB up, in 1 MiB reads} */
    private static long read(PhysicalMemory mem) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1 << 20);
            for (long off = 0; off < READ; off += 1 << 20) mem.read((16L << 20) + off, buf, 0, 1 << 20);
        }
        return READ;
    }

    private interface Op { long run() throws Exception; }

    private static Row median(String what, int repeats, Op op) throws Exception {
        double[] ms = new double[repeats];
        long n = 0;
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            n = op.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return new Row(what, ms[repeats / 2], n, repeats + " runs");
    }
}
