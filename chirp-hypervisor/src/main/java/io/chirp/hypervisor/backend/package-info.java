/**
 * The VM back-end interface: everything CHIRP needs from a hypervisor, and the only way the rest of CHIRP reaches
 * one.
 *
 * <pre>
 *   --vm [BACKEND:]NAME [--connect URI]
 *        |
 *   VmBackends.open        ServiceLoader&lt;VmBackend&gt;: qemu (QEMU direct, chirp-hypervisor), libvirt (chirp-libvirt)
 *        |
 *   VmBackend              id, list() -&gt; VmInfo (VmIdentity: backend, name, UUID, host; VmState; capabilities),
 *        |                 open(name), onLifecycle(VmEvent) for all its VMs, connect(URI)
 *        v
 *   VmHandle               capabilities() declared up front; require(c) throws MissingCapabilityException
 *     |-- MEMORY           memory() (PhysicalMemory, live), layout() (RamLayout), memoryPath()
 *     |-- REGISTERS        registers() (no pause)
 *     |-- PAUSE            whilePaused(action), acquire(..., CONSISTENT)
 *     |-- CONSISTENT_IMAGE acquire(..., MIGRATION): one instant, a pause of milliseconds
 *     |-- DISK_VIEWS       \  point-in-time disks and NIC captures: for QEMU-based back-ends, chirp-disk's Fleece
 *     |-- TRAFFIC_CAPTURE   } and chirp-net's LiveCapture on openMonitor() (a QemuMonitor); nics() names the NICs
 *     |-- QEMU_MONITOR     /
 *     '-- LIFECYCLE_EVENTS onLifecycle(VmEvent: started, paused, resumed, stopped, migrated, crashed, reset)
 * </pre>
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Capabilities are declared, never discovered by catching exceptions: a handle knows when it is opened what it
 *       can do (a QEMU VM without a QMP socket cannot pause), and a command asks before it starts.</li>
 *   <li>Every command reports a missing capability the same way: {@code VM X (backend Y) lacks capability Z}
 *       ({@link io.chirp.hypervisor.backend.MissingCapabilityException}, exit code 1).</li>
 *   <li>Protocol types stay inside their back-end: QMP, HMP parsing and the gdbstub in {@code io.chirp.hypervisor}
 *       ({@code LiveVm}, {@code qemu.*}), libvirt's C API in {@code io.chirp.libvirt}. What crosses the interface is
 *       chirp-core's {@code PhysicalMemory} and {@code CpuState}, chirp-memory's {@code RamLayout}, and records.</li>
 *   <li>Opening never pauses a guest; everything is read-only towards it except the pause the analyst asked for
 *       (always undone) and QEMU objects CHIRP adds and removes (fleece nodes, capture filters).</li>
 * </ul>
 * Design notes for back-ends that cannot run here (Xen, ESXi, Hyper-V): {@code docs/hypervisors.md}.
 */
package io.chirp.hypervisor.backend;
