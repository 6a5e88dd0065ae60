/**
 * Tracing of kernel events through the hypervisor: breakpoints on kernel functions set through QEMU's gdbstub,
 * arguments read from registers and guest memory at the hit, the guest resumed at once.
 *
 * <pre>
 *   KernelTracer: Z0 breakpoints (exec, exit, module load, connect) -> 'c'
 *        stop packet -> registers ('g': rip, rdi.., cr3, gs_base) -> Probe decodes args from RAM -> TraceEvent
 *        -> 'c' again
 * </pre>
 *
 * Under TCG a gdbstub breakpoint lives in QEMU's translator: guest memory and debug registers are untouched,
 * which the tests verify. (Under KVM, QEMU would write 0xCC into guest memory: use hardware breakpoints there.)
 */
package io.chirp.monitor.trace;
