package io.chirp.symbols.kernel;

import io.chirp.arch.Architecture;
import io.chirp.core.ChirpException;
import io.chirp.core.PhysAddr;
import io.chirp.core.VirtAddr;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.types.TypeModel;

/**
 * What {@link KernelLocator} learned about the running kernel.
 *
 * @param virtText        runtime virtual address of {@code _text}
 * @param physText        guest-physical address of {@code _text}
 * @param imageEnd        runtime virtual address one past the kernel image ({@code _end})
 * @param banner          the string at {@code linux_banner} (what /proc/version prints)
 * @param initTopPgt      guest-physical address of the kernel page-table root ({@code init_top_pgt} on x86-64,
 *                        {@code swapper_pg_dir} on AArch64); unlike a vCPU's CR3/TTBR it works whatever KPTI and
 *                        the current process are
 * @param pageOffsetBase  the virtual address physical 0 would have in the direct map: {@code page_offset_base} on
 *                        x86-64 (randomised), PAGE_OFFSET - {@code memstart_addr} on AArch64
 * @param vmemmapBase     the address of PFN 0's struct page: {@code vmemmap_base} on x86-64 (randomised),
 *                        {@code vmemmap} (VMEMMAP_START - memstart_addr's PFN) on AArch64
 * @param vmallocBase     start of vmalloc space ({@code vmalloc_base} on x86-64, VMALLOC_START on AArch64)
 * @param symbols         the kernel symbols (runtime addresses)
 * @param types           the vmlinux types
 * @param btfPhys         guest-physical address of the vmlinux BTF blob
 * @param arch            the kernel's architecture (from its symbols, checked against vCPU state when there is some)
 * @param vaBits          the size of the kernel's half of the address space in bits (AArch64: 48 for Debian; x86: 47
 *                        or 56 by paging mode, informative only)
 */
public record KernelInfo(long virtText, long physText, long imageEnd, String banner, long initTopPgt,
                         long pageOffsetBase, long vmemmapBase, long vmallocBase, KernelSymbols symbols,
                         TypeModel types, long btfPhys, Architecture arch, int vaBits) {
    /** Where x86-64 kernels are linked: {@code _text} without KASLR. */
    public static final long LINK_TEXT_VIRT = 0xffffffff81000000L;
    /** Where x86-64 kernels are loaded without KASLR (CONFIG_PHYSICAL_START). */
    public static final long LINK_TEXT_PHYS = 0x1000000L;

    /** {@return how far KASLR moved the kernel's virtual addresses} */
    public long virtSlide() { return virtText - arch.linux().linkTextVirt(); }

    /** {@return how far KASLR moved the kernel's physical load address} */
    public long physSlide() { return physText - arch.linux().linkTextPhys(); }

    /** {@return true if {@code va} lies in the kernel image [_text, _end)} */
    public boolean inImage(long va) {
        return Long.compareUnsigned(va, virtText) >= 0 && Long.compareUnsigned(va, imageEnd) < 0;
    }

    /**
     * {@return the guest-physical address of a kernel-image virtual address} The image is mapped linearly, so
     * this needs no page-table walk.
     *
     * @throws ChirpException UNMAPPED-like NOT_FOUND if {@code va} is outside the image
     */
    public PhysAddr kernelImagePhys(VirtAddr va) {
        if (!inImage(va.value())) {
            throw ChirpException.notFound(va + " is outside the kernel image [0x" + Long.toHexString(virtText)
                    + ", 0x" + Long.toHexString(imageEnd) + ")");
        }
        return PhysAddr.of(physText + (va.value() - virtText));
    }

    /** {@return the guest-physical address of kernel symbol {@code name}} */
    public PhysAddr symbolPhys(String name) { return kernelImagePhys(VirtAddr.of(symbols.address(name))); }

    @Override public String toString() {
        return String.format("KernelInfo[" + arch + ", _text va 0x%x pa 0x%x, slides v 0x%x p 0x%x, init_top_pgt 0x%x, "
                        + "page_offset_base 0x%x, vmemmap_base 0x%x, vmalloc_base 0x%x, %d symbols, %d types, %s]",
                virtText, physText, virtSlide(), physSlide(), initTopPgt, pageOffsetBase, vmemmapBase, vmallocBase,
                symbols.count(), types.count(), banner.strip());
    }
}
