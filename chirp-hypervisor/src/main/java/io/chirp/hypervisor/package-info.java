/**
 * QEMU direct, the first implementation of the back-end interface ({@link io.chirp.hypervisor.backend}): QEMU
 * processes of this host, their channels, and {@link io.chirp.hypervisor.Target} (a VM of any back-end, or an image).
 *
 * <pre>
 *   QemuBackend (id "qemu", ServiceLoader) -&gt; QemuHandle (a VmHandle around a LiveVm)
 *        |
 *   VmInventory (QEMU processes found in /proc; command lines read by qemu.QemuCommandLine)
 *        |
 *   LiveVm  = PhysicalMemory (shared RAM file | QMP | gdbstub, best available)
 *           + vCPU state (QMP/HMP, gdbstub)
 *           + control (pause/resume) for consistent reads and acquisition
 *        |
 *   session.VmSessions (the process-wide broker: each VM's one QMP connection, shared; its gdbstub, lent out)
 *        |
 *   qemu.QmpClient / qemu.GdbRemote (bounded connects, greetings and requests; lease records name holders)
 * </pre>
 *
 * Every channel here gives full control of a VM: CHIRP only ever reads guest memory and state,
 * and pauses a guest only when the analyst asks for a consistent view.
 */
package io.chirp.hypervisor;
