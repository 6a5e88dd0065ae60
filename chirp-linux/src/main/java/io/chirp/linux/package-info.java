/**
 * Linux views over guest memory: the semantic gap bridged with nothing but the guest's own memory.
 *
 * <pre>
 *   PhysicalMemory (+ vCPU state when live)
 *        |  KernelLocator (chirp-symbols): kallsyms + BTF + KASLR from RAM
 *   LinuxKernel       kernel address space (init_top_pgt), symbols, types, resolved Layout
 *        |
 *   KernelReader      bounded typed reads of kernel virtual memory (every byte is attacker-controlled)
 *   Walkers           list_head / hlist walks with limits and cycle detection
 *        |
 *   tables            processes, modules, sockets, files, maps, mounts, dmesg, integrity checks
 * </pre>
 */
package io.chirp.linux;
