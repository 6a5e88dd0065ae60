package io.chirp.paging;

import io.chirp.core.PhysAddr;
import io.chirp.core.VirtAddr;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.MemoryImages;
import io.chirp.memory.RamLayout;
import io.chirp.paging.TranslationResult.Mapped;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Page walks over a live lab guest's RAM file, checked against the guest's own /proc/kallsyms and /proc/iomem. */
@WithLabGuest
class PagingIT {

    private record Kernel(long textVa, long textPa, long topPgtPa, Map<String, Long> symbols) {}

    private static Kernel kernel(LabGuest g) {
        GroundTruth gt = g.groundTruth();
        Map<String, Long> syms = gt.kallsyms();
        long text = syms.get("_text");
        long textPa = gt.kernelCodePhys().orElseThrow(() -> new AssertionError("no Kernel code in /proc/iomem"));
        return new Kernel(text, textPa, textPa + (syms.get("init_top_pgt") - text), syms);
    }

    @Test
    void linuxBannerThroughInitTopPgt(LabGuest g) {
        Kernel k = kernel(g);
        try (MappedFileMemory ram = MemoryImages.openRam(g.ramFile(), RamLayout.identity(g.memoryBytes()), true)) {
            AddressSpace kernel = AddressSpace.of(ram, PagingMode.X86_64, new PhysAddr(k.topPgtPa()));
            VirtAddr banner = new VirtAddr(k.symbols().get("linux_banner"));
            String text = new String(kernel.read(banner, 64), StandardCharsets.US_ASCII);
            assertThat(text).startsWith("Linux version " + g.groundTruth().kernelRelease());
            Mapped m = (Mapped) kernel.translate(banner);
            assertThat(m.flags().user()).isFalse();
            assertThat(m.flags().noExecute()).isTrue(); // .rodata
            assertThat(kernel.readMapped(banner, 13).bytes()).asString(StandardCharsets.US_ASCII).isEqualTo("Linux version");
        }
    }

    @Test
    void everyKernelImageSymbolTranslatesToTheKernelsPhysicalSlide(LabGuest g) {
        Kernel k = kernel(g);
        List<Map.Entry<String, Long>> image = k.symbols().entrySet().stream()
                .filter(e -> Long.compareUnsigned(e.getValue(), k.textVa()) >= 0).toList();
        assertThat(image).hasSizeGreaterThanOrEqualTo(10);
        try (MappedFileMemory ram = MemoryImages.openRam(g.ramFile(), RamLayout.identity(g.memoryBytes()), true)) {
            AddressSpace kernel = AddressSpace.of(ram, PagingMode.X86_64, new PhysAddr(k.topPgtPa()));
            List<TranslationResult> batch = kernel.translateAll(image.stream().map(e -> new VirtAddr(e.getValue())).toList());
            for (int i = 0; i < image.size(); i++) {
                String name = image.get(i).getKey();
                long va = image.get(i).getValue();
                long expected = k.textPa() + (va - k.textVa());
                assertThat(batch.get(i)).as(name).isInstanceOfSatisfying(Mapped.class,
                        m -> assertThat(m.pa().value()).as(name).isEqualTo(expected));
                assertThat(kernel.physical(new VirtAddr(va)).value()).as(name).isEqualTo(expected);
            }
            // user half of the kernel's own PGD: nothing at the bottom page
            assertThat(kernel.translate(new VirtAddr(0))).isInstanceOf(TranslationResult.Fault.class);
        }
    }
}
