package io.chirp.symbols.kernel;

import io.chirp.core.PhysicalMemory;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.Segment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-kernel cache on a real guest's memory (a copy of its RAM file, so the test can alter it): a hit gives
 * exactly what discovery by scanning gives; a changed entry, or an image holding another kernel under the same
 * banner, is rejected and discovery runs instead.
 */
@WithLabGuest
class KernelCacheIT {
    @TempDir Path tmp;

    @Test
    void aHitEqualsDiscoveryAndAnythingElseIsRejected(LabGuest g) throws Exception {
        Path img = tmp.resolve("ram.img");
        Files.copy(g.ramFile(), img);
        KernelCache cache = KernelCache.at(tmp.resolve("cache"));
        try (PhysicalMemory mem = MappedFileMemory.open(img, List.of(new Segment(0, 0, g.memoryBytes(), "ram")), true,
                "copy of " + g.name())) {
            assertThat(cache.lookup(mem, null)).isInstanceOf(KernelCache.Lookup.Miss.class);
            KernelLocator.Found found = KernelLocator.discover(mem, null);
            cache.store(mem, found);
            Path entry = cache.dir().resolve(KernelCache.name(found.info().banner()));
            assertThat(entry).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(entry))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.dir()))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.dir().resolve("siphash.key"))))
                    .isEqualTo("rw-------");

            KernelInfo want = found.info();
            KernelInfo hit = hit(cache.lookup(mem, null));
            assertSame(hit, want);

            // A tampered entry: one byte of a cached name changed (HMAC), or the entry cut short.
            byte[] good = Files.readAllBytes(entry);
            byte[] bad = good.clone();
            bad[bad.length / 2] ^= 0x20;
            Files.write(entry, bad);
            assertThat(miss(cache.lookup(mem, null))).contains("tag does not match");
            Files.write(entry, java.util.Arrays.copyOf(good, good.length - 100));
            assertThat(miss(cache.lookup(mem, null))).contains("tag does not match");
            // An entry written under another host's key.
            Files.write(entry, good);
            byte[] key = Files.readAllBytes(cache.dir().resolve("siphash.key"));
            byte[] otherKey = key.clone();
            otherKey[0] ^= 1;
            Files.write(cache.dir().resolve("siphash.key"), otherKey);
            assertThat(miss(cache.lookup(mem, null))).contains("tag does not match");
            Files.write(cache.dir().resolve("siphash.key"), key);
            assertSame(hit(cache.lookup(mem, null)), want);

            // Another kernel with the same banner: one byte of its kallsyms names differs, or one of its BTF.
            var layout = found.kallsyms().layout();
            long nameByte = layout.names() + 5;
            flip(img, nameByte);
            assertThat(miss(cache.lookup(mem, null))).contains("other kernel").contains("kallsyms");
            flip(img, nameByte);
            long btfByte = found.btf().blob().pa() + found.btf().blob().size() - 10;
            flip(img, btfByte);
            assertThat(miss(cache.lookup(mem, null))).contains("other kernel").contains("BTF");
            flip(img, btfByte);
            // A different banner: the entry is not even a candidate.
            long banner = want.symbolPhys("linux_banner").value() + 20;
            flip(img, banner);
            assertThat(miss(cache.lookup(mem, null))).contains("banner is not in this memory");
            flip(img, banner);
            assertSame(hit(cache.lookup(mem, null)), want);

            // Through the locator with the cache on: a rejected entry leads to discovery, which rewrites it.
            Files.write(entry, bad);
            String before = System.getProperty(KernelCache.PROPERTY);
            System.setProperty(KernelCache.PROPERTY, cache.dir().toString());
            try {
                assertSame(KernelLocator.locate(mem), want);
                assertThat(Files.readAllBytes(entry)).isNotEqualTo(bad);
                assertSame(hit(cache.lookup(mem, null)), want);
                assertSame(KernelLocator.locate(mem), want);
            } finally {
                if (before == null) System.clearProperty(KernelCache.PROPERTY);
                else System.setProperty(KernelCache.PROPERTY, before);
            }
        }
    }

    private static KernelInfo hit(KernelCache.Lookup l) {
        assertThat(l).as(String.valueOf(l)).isInstanceOf(KernelCache.Lookup.Hit.class);
        return ((KernelCache.Lookup.Hit) l).info();
    }

    private static String miss(KernelCache.Lookup l) {
        assertThat(l).isInstanceOf(KernelCache.Lookup.Miss.class);
        return ((KernelCache.Lookup.Miss) l).reason();
    }

    /** Everything discovery reports, symbol for symbol. */
    private static void assertSame(KernelInfo got, KernelInfo want) {
        assertThat(got.virtText()).isEqualTo(want.virtText());
        assertThat(got.physText()).isEqualTo(want.physText());
        assertThat(got.imageEnd()).isEqualTo(want.imageEnd());
        assertThat(got.banner()).isEqualTo(want.banner());
        assertThat(got.initTopPgt()).isEqualTo(want.initTopPgt());
        assertThat(got.pageOffsetBase()).isEqualTo(want.pageOffsetBase());
        assertThat(got.vmemmapBase()).isEqualTo(want.vmemmapBase());
        assertThat(got.vmallocBase()).isEqualTo(want.vmallocBase());
        assertThat(got.btfPhys()).isEqualTo(want.btfPhys());
        assertThat(got.symbols().all()).isEqualTo(want.symbols().all());
        assertThat(got.types().count()).isEqualTo(want.types().count());
        assertThat(got.types().offsetOf("task_struct", "tasks")).isEqualTo(want.types().offsetOf("task_struct", "tasks"));
        assertThat(got.types().sizeOf("task_struct")).isEqualTo(want.types().sizeOf("task_struct"));
    }

    private static void flip(Path img, long pa) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(pa);
            int b = f.read();
            f.seek(pa);
            f.write(b ^ 0x01);
        }
    }
}
