/**
 * Architectures as data and a few hooks. {@link io.chirp.arch.Architecture} is the seam; {@link io.chirp.arch.X86_64}
 * and {@link io.chirp.arch.Aarch64} implement it.
 *
 * <ul>
 *   <li><b>Page tables</b> are not code here: an architecture lists {@link io.chirp.paging.PagingMode}s, each a
 *       table of levels (shift, index bits, whether blocks are allowed) and an
 *       {@link io.chirp.paging.EntryFormat} (valid, leaf/block, permission and NX bits with their polarity, the
 *       address mask and the relocated 52-bit field), as memflow describes its architectures. The one
 *       {@code PageWalker} in chirp-memory reads both. AArch64's two halves (TTBR0/TTBR1) are an
 *       {@link io.chirp.paging.AddressSpace} with two roots.</li>
 *   <li><b>CPU state</b> comes in variants of {@link io.chirp.core.VcpuState} (chirp-core):
 *       {@code CpuState} for x86-64, {@code Aarch64CpuState} for AArch64, with the register names
 *       {@link io.chirp.arch.Architecture#generalRegisters()} and {@link io.chirp.arch.Architecture#systemRegisters()}
 *       list. {@link io.chirp.arch.Architecture#kernelSpace} turns a vCPU into the kernel's address space.</li>
 *   <li><b>Linux hooks</b>: where {@code current} is ({@link io.chirp.arch.Architecture.CurrentTask}: a per-CPU
 *       variable at GS base, or SP_EL0), the vector table (IDT gates, or VBAR_EL1's 16 code slots), the
 *       breakpoint instruction, and a branch {@link io.chirp.arch.Sweep} for hook checks
 *       ({@link io.chirp.arch.X86Decoder}, {@link io.chirp.arch.Aarch64Decoder}, which also resolves
 *       {@code adrp}/{@code add} address pairs), and {@link io.chirp.arch.Architecture#linux()}: what kernel
 *       discovery needs before any walk (page-table root symbol, link address, how the linear map is placed, the
 *       system-call entry prefix, the kernel's own vector tables).</li>
 * </ul>
 *
 * Lives in chirp-memory, not chirp-core, because the paging data it returns is chirp-memory's.
 */
package io.chirp.arch;
