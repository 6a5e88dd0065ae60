package io.chirp.bench;

import io.chirp.lab.LabGuest;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * Physical reads from a live guest's RAM file (mapped once, read while the guest runs) against the physical
 * limit: a plain copy between two native buffers of the same size. 1 MiB per operation, so ops/s = MiB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PhysicalReadBenchmark {
    static final long CHUNK = 1 << 20;
    static final long SPAN = 256L << 20;

    LabGuest guest;
    MappedFileMemory live;
    Arena arena;
    MemorySegment baselineSource;
    MemorySegment dst;
    long pos;

    @Setup
    public void setup() {
        guest = LabFixture.boot("512M");
        live = MemoryImages.openRam(guest.ramFile(), RamLayout.identity(guest.memoryBytes()), true);
        arena = Arena.ofShared();
        baselineSource = arena.allocate(SPAN, 4096);
        live.read(0, baselineSource, 0, SPAN); // same bytes, so neither side reads untouched zero pages
        dst = arena.allocate(CHUNK, 4096);
    }

    @TearDown
    public void tearDown() {
        live.close();
        arena.close();
        guest.close();
    }

    /** CHIRP's physical read path out of the live, shared RAM file. */
    @Benchmark
    public MemorySegment chirpLiveRead() {
        live.read(pos, dst, 0, CHUNK);
        pos = (pos + CHUNK) % SPAN;
        return dst;
    }

    /** Baseline: the same amount copied between two native buffers. */
    @Benchmark
    public MemorySegment baselineMemcpy() {
        MemorySegment.copy(baselineSource, pos, dst, 0, CHUNK);
        pos = (pos + CHUNK) % SPAN;
        return dst;
    }
}
