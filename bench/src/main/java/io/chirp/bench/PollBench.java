package io.chirp.bench;

import io.chirp.core.CpuState;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.VmInventory;
import io.chirp.lab.LabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Modules;
import io.chirp.linux.Processes;
import io.chirp.linux.integrity.IntegrityCheck;
import io.chirp.linux.net.Sockets;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import io.chirp.monitor.Snapshotter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one poll of a VM costs, part by part, on a memory image of a lab guest (the stand-in: no other guest's
 * load in the figure) and on the live guest through its shared RAM file: the monitor's poll
 * ({@link Snapshotter#take}, integrity every 5th), the process listing read in full (the previous poll's way) and
 * read incrementally, modules, sockets, and one integrity run, each in CPU time of the polling thread. VMs per core
 * at 1 s = 1000 ms / poll.
 */
final class PollBench {
    record Row(String what, double ms, String note) {}

    private static final int WARM = 20, N = 120;

    private PollBench() {}

    static List<Row> run(Path scratch) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (LabGuest g = LabFixture.boot("512M")) {
            Path image = scratch.resolve("poll.elf");
            Files.deleteIfExists(image);
            Files.deleteIfExists(image.resolveSibling("poll.elf.manifest.json"));
            try (LiveVm vm = LiveVm.attach(new VmInventory().find(g.name()))) {
                VmAcquisition.acquire(vm, image, ImageFormat.ELF_CORE, VmAcquisition.Mode.LIVE, (d, t) -> {});
            }
            try (MemoryImage img = MemoryImages.open(image)) {
                rows.addAll(parts(LinuxKernel.attach(img.memory(), img.cpus()), img.cpus(), "memory image"));
            }
            Files.deleteIfExists(image);
            Files.deleteIfExists(image.resolveSibling("poll.elf.manifest.json"));
            try (LiveVm vm = LiveVm.attach(new VmInventory().find(g.name()))) {
                List<CpuState> cpus = vm.registers();
                rows.addAll(parts(LinuxKernel.attach(vm.memory(), cpus), cpus, "live guest"));
            }
        }
        return rows;
    }

    private static List<Row> parts(LinuxKernel k, List<CpuState> cpus, String where) {
        List<Row> rows = new ArrayList<>();
        Snapshotter s = new Snapshotter(k, cpus, 5);
        rows.add(new Row("one poll (processes, modules, sockets; integrity every 5th)", time(s::take), where));
        Snapshotter s60 = new Snapshotter(k, cpus, 60);
        rows.add(new Row("one poll, integrity every 60th (once a minute at 1 s)", time(s60::take), where));
        Snapshotter s0 = new Snapshotter(k, cpus, 0);
        rows.add(new Row("one poll without integrity (processes, modules, sockets)", time(s0::take), where));
        Processes ps = new Processes(k);
        rows.add(new Row("processes, every row read in full (previous poll)", time(() -> ps.list(false, true)), where));
        Map<Long, Processes.Seen> seen = new HashMap<>();
        rows.add(new Row("processes, incremental (command lines, executables only for new programs)",
                time(() -> ps.list(false, true, seen)), where));
        Modules m = new Modules(k);
        rows.add(new Row("modules", time(m::list), where));
        Sockets so = new Sockets(k);
        rows.add(new Row("sockets", time(so::list), where));
        IntegrityCheck ic = new IntegrityCheck(k, cpus);
        rows.add(new Row("integrity checks, one run", time(ic::run), where));
        return rows;
    }

    /** {@return CPU milliseconds of this thread per run}: a poll is CPU work on mapped memory, and the shared
     * machine's other processes would otherwise be in the figure */
    private static double time(Runnable r) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int w = 0; w < WARM; w++) r.run();
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < N; i++) r.run();
        return (mx.getCurrentThreadCpuTime() - t0) / 1e6 / N;
    }
}
