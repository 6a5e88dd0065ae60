/**
 * Linux views over guest memory: the semantic gap bridged with nothing but the guest's own memory.
 *
 * <pre>
 *   PhysicalMemory (+ vCPU state when live)
 *        |  KernelLocator (chirp-symbols): kallsyms + BTF + KASLR from RAM
 *   LinuxKernel       kernel address space (init_top_pgt), symbols, types, resolved Layout
 *        |
 *   KernelReader      bounded typed reads of kernel virtual memory (every byte is attacker-controlled); guest
 *                     strings decoded losslessly (invalid UTF-8 as \xNN, a backslash as \\)
 *   Walk, XArray      the one bounded-walk mechanism (Walk.Bounded: limits, revisit detection, partial with the
 *                     reason): list_head (walked back via prev past a broken link), hlist and other chains,
 *                     rbtrees, xarrays/IDRs; mm.MapleTree and the socket hash tables build on it
 *        |
 *   tables            processes, modules, sockets, files, maps, mounts, dmesg, integrity checks
 * </pre>
 *
 * A broken structure costs completeness, never the listing: a walk keeps what it read, says why it stopped and what
 * it recovered how, and listings with a second source use it (processes: the PID table; modules: sysfs).
 */
package io.chirp.linux;
