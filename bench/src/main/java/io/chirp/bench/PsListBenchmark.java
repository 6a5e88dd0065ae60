package io.chirp.bench;

import io.chirp.lab.LabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Processes;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.MemoryImages;
import io.chirp.memory.RamLayout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** A refresh of the process list on an attached live guest, and a cold attach (kernel discovery + symbols + types). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PsListBenchmark {
    LabGuest guest;
    MappedFileMemory memory;
    Processes processes;

    @Setup
    public void setup() {
        guest = LabFixture.boot("512M");
        memory = MemoryImages.openRam(guest.ramFile(), RamLayout.identity(guest.memoryBytes()), true);
        processes = new Processes(LinuxKernel.attach(memory, List.of()));
    }

    @TearDown
    public void tearDown() {
        memory.close();
        guest.close();
    }

    /** The live refresh: walk the task list again, with command lines from each process's memory. */
    @Benchmark
    public Processes.Listing refreshWithCmdlines() {
        return processes.list(false, true);
    }

    /** Attach from scratch: find the kernel, decode kallsyms, parse BTF, build the kernel address space. */
    @Benchmark
    public LinuxKernel coldAttach() {
        return LinuxKernel.attach(memory, List.of());
    }
}
