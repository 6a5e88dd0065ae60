/**
 * Hypervisor channels and the inventory of VMs on this host.
 *
 * <pre>
 *   VmInventory (QEMU processes found in /proc, their sockets and RAM files)
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
