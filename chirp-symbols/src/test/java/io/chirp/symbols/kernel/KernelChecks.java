package io.chirp.symbols.kernel;

import io.chirp.core.PhysicalMemory;
import io.chirp.core.VirtAddr;
import io.chirp.lab.LabGuest;
import io.chirp.symbols.lab.LiveMemory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The checks both KASLR ITs run against a guest's own view of itself. */
final class KernelChecks {
    private KernelChecks() {}

    static KernelInfo check(LabGuest g) {
        Map<String, Long> ks = g.groundTruth().kallsyms();
        // The serial console is slow under TCG: ask for a digest of /proc/version, not the text.
        String versionMd5 = g.shell("md5sum /proc/version", Duration.ofSeconds(180)).strip().split("\\s+")[0];
        List<String> uname = g.groundTruth().section("uname");
        try (PhysicalMemory mem = LiveMemory.of(g)) {
            long t0 = System.nanoTime();
            KernelInfo k = KernelLocator.locate(mem);
            System.out.println(k + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertThat(k.virtText()).isEqualTo(ks.get("_text"));
            assertThat(k.physText()).isEqualTo(g.groundTruth().kernelCodePhys().orElseThrow());
            assertThat(k.virtSlide()).isEqualTo(ks.get("_text") - 0xffffffff81000000L);
            assertThat(k.physSlide()).isEqualTo(k.physText() - 0x1000000L);
            assertThat(k.virtSlide() & 0x1fffff).isZero();
            assertThat(k.banner()).startsWith("Linux version " + uname.get(0) + " (").endsWith(uname.get(1) + "\n");
            assertThat(md5(k.banner())).as("md5 of the banner vs /proc/version").isEqualTo(versionMd5);
            assertThat(k.initTopPgt()).isEqualTo(k.physText() + ks.get("init_top_pgt") - ks.get("_text"));
            assertThat(k.kernelImagePhys(VirtAddr.of(ks.get("init_task"))).value())
                    .isEqualTo(k.physText() + ks.get("init_task") - ks.get("_text"));
            // The kernel page-table root maps the kernel image: its PGD slot for _text must be present.
            long pgdEntry = mem.readLong(k.initTopPgt() + 8 * ((k.virtText() >>> 39) & 0x1ff));
            assertThat(pgdEntry & 1).isEqualTo(1);
            // RANDOMIZE_MEMORY bases: 1 GiB aligned, in the kernel half, distinct.
            for (long base : new long[] {k.pageOffsetBase(), k.vmemmapBase(), k.vmallocBase()}) {
                assertThat(base >>> 47).isEqualTo(0x1ffffL);
                assertThat(base & ((1L << 30) - 1)).isZero();
            }
            assertThat(k.pageOffsetBase()).isNotEqualTo(k.vmemmapBase()).isNotEqualTo(k.vmallocBase());
            // page_offset_base is where the direct map puts physical 0: the next task after init_task (a slab
            // object, so in the direct map) must be found through it, and it is pid 1.
            long tasks = k.types().offsetOf("task_struct", "tasks");
            long pidOff = k.types().offsetOf("task_struct", "pid");
            long next = mem.readLong(k.symbolPhys("init_task").value() + tasks);
            long nextPa = next - tasks - k.pageOffsetBase();
            assertThat(nextPa).isBetween(0L, g.memoryBytes());
            assertThat(mem.readInt(nextPa + pidOff)).isEqualTo(1);
            return k;
        }
    }

    static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.ISO_8859_1)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
