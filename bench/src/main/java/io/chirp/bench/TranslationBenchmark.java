package io.chirp.bench;

import io.chirp.core.PhysAddr;
import io.chirp.core.VirtAddr;
import io.chirp.lab.LabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.MemoryImages;
import io.chirp.memory.RamLayout;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.TranslationResult;
import io.chirp.symbols.Symbol;
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

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Virtual-to-physical translations per second on a live guest's kernel page tables, for 4096 kernel symbol
 * addresses: cold (no cache: every translation walks four levels) and cached.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TranslationBenchmark {
    LabGuest guest;
    MappedFileMemory memory;
    AddressSpace cold;
    AddressSpace cached;
    long[] addresses;
    int i;

    @Setup
    public void setup() {
        guest = LabFixture.boot("512M");
        memory = MemoryImages.openRam(guest.ramFile(), RamLayout.identity(guest.memoryBytes()), true);
        LinuxKernel k = LinuxKernel.attach(memory, List.of());
        AddressSpace ks = k.kernelSpace();
        cold = AddressSpace.of(memory, ks.mode(), new PhysAddr(ks.root().value()), 0, Duration.ZERO);
        cached = AddressSpace.of(memory, ks.mode(), new PhysAddr(ks.root().value()), 1 << 16, Duration.ofSeconds(60));
        List<Symbol> syms = k.symbols().all().stream().filter(s -> k.info().inImage(s.address())).toList();
        Random r = new Random(7);
        addresses = new long[4096];
        for (int j = 0; j < addresses.length; j++) addresses[j] = syms.get(r.nextInt(syms.size())).address();
    }

    @TearDown
    public void tearDown() {
        memory.close();
        guest.close();
    }

    @Benchmark
    public TranslationResult translateCold() {
        i = (i + 1) & 4095;
        return cold.translate(new VirtAddr(addresses[i]));
    }

    @Benchmark
    public TranslationResult translateCached() {
        i = (i + 1) & 4095;
        return cached.translate(new VirtAddr(addresses[i]));
    }
}
