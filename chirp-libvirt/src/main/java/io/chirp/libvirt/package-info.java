/**
 * libvirt as a way into VMs: a binding to libvirt's C API through the JDK's FFM API ({@code java.lang.foreign}),
 * with just the calls CHIRP needs, and the back-end ({@link io.chirp.libvirt.LibvirtBackend}, id {@code libvirt})
 * that puts a domain behind CHIRP's {@link io.chirp.hypervisor.backend.VmHandle}: {@code --vm libvirt:NAME
 * [--connect URI]}.
 *
 * <pre>
 *   LibvirtBackend (ServiceLoader) -&gt; LibvirtHandle: memory = DomainMemory.attach, registers = HMP through the
 *                                    passthrough, pause = virDomainSuspend/Resume, disks/NICs = Fleece/LiveCapture on
 *                                    LibvirtMonitor (virDomainQemuMonitorCommand), events = onLifecycle,
 *                                    acquire --migration = chirp-hypervisor's MigrationAcquisition on LibvirtMigration
 *                                    (passthrough QMP, QEMU events, a pipe given with getfd), guardian = LibvirtGuardian
 *
 *   LibvirtConnection.open(uri)      virConnectOpen (+ keepalive), after EventLoop started virEventRunDefaultImpl
 *     |-- domains()                  virConnectListAllDomains: name, UUID, id, state, persistent
 *     |-- onLifecycle(listener)      virConnectDomainEventRegisterAny(LIFECYCLE), upcall on the event-loop thread
 *     |-- onQemuEvent(dom, l)        virConnectDomainQemuMonitorEventRegister: QEMU's own events and timestamps
 *     '-- domain(name) -> LibvirtDomain
 *           |-- xml(), domainXml()   virDomainGetXMLDesc, parsed strictly (DomainXml: disks, NICs, memory backing)
 *           |-- qmp(), hmp()         virDomainQemuMonitorCommand (libvirt-qemu.so): query-status, info registers -a,
 *           |                        info mtree -f, qom-get
 *           |-- qmpWithFd()          virDomainQemuMonitorCommandWithFiles (libvirt 8.2): getfd with a pipe's write end
 *           |-- ramBackends()        which memory-backend objects QEMU has, and the file libvirt named for each
 *           '-- memoryPeek()         virDomainMemoryPeek(VIR_MEMORY_PHYSICAL), 64 KiB per call
 *   DomainMemory.open(domain)        the shared RAM file mapped read-only (chirp-memory's MappedFileMemory) with
 *                                    the layout from info mtree -f; memoryPeek when there is no such file
 * </pre>
 *
 * <h2>Why FFM and not the {@code org.libvirt:libvirt} JNA binding</h2>
 * Both were weighed; the JNA binding's API was checked on its jar (0.5.2, the last release on Maven Central, built
 * with Java 8 in 2020). It has what CHIRP needs: {@code Domain.memoryPeek(long, ByteBuffer, MemoryAddressMode)},
 * {@code Domain.qemuMonitorCommand(String, int)}, {@code Library.initEventLoop()/runEventLoop()}. The choice is FFM:
 * <ul>
 *   <li><b>Maintenance.</b> The binding declares JNA as a {@code provided} dependency limited to
 *       {@code [3.4.1,5.5.0]}: CHIRP would pin a JNA from 2019 on JDK 25 itself, plus a binding that has not had a
 *       release since. FFM is part of the JDK (final since 22): no dependency, nothing to keep in step, and any libvirt
 *       function (newer than the binding, or QEMU-specific in {@code libvirt-qemu.so}) is one more downcall handle.
 *       CHIRP uses about twenty functions: a thin binding of exactly those ({@link io.chirp.libvirt.Native}) is
 *       smaller than a wrapper layer over a general one would be.</li>
 *   <li><b>Event loop.</b> Equivalent in both: {@code virEventRegisterDefaultImpl} before the first connection and a
 *       thread running {@code virEventRunDefaultImpl} ({@link io.chirp.libvirt.EventLoop}). With FFM the callback is
 *       one static upcall stub (allocated once, global) that dispatches on the opaque pointer, catches everything (an
 *       exception escaping an upcall would kill the JVM) and calls only local getters.</li>
 *   <li><b>memoryPeek.</b> The binding peeks into a {@code ByteBuffer}; FFM writes into a
 *       {@link java.lang.foreign.MemorySegment}, the type chirp-core's {@code PhysicalMemory.read} takes, so the
 *       fallback path is a {@code PhysicalMemory} without adapters.</li>
 *   <li><b>Errors.</b> libvirt's last error is per OS thread; with direct downcalls the message is read right after the
 *       failing call on the same thread, and becomes a {@code ChirpException} with the operator's context.</li>
 *   <li><b>JDK 25 native access.</b> Both are restricted: JNA loads JNI code (extracting {@code libjnidispatch.so} to a
 *       temporary folder; a warning on JDK 24+ unless {@code --enable-native-access}), FFM downcalls need the same
 *       flag. {@code ./chirp} and this module's tests pass {@code --enable-native-access=ALL-UNNAMED}; nothing else is
 *       needed (no {@code -dev} package: the libraries are found by soname in Debian's {@code libvirt0}).</li>
 * </ul>
 *
 * <h2>Hazards</h2>
 * libvirt keeps its last error per OS thread: calls and their error messages happen on the calling platform thread
 * (do not drive a connection from virtual threads that may move between calls). The RAM file path QEMU reports is
 * resolved in QEMU's mount namespace; with libvirt's default per-domain namespaces a memory_backing_dir under /dev
 * would not be the host's path. Guest memory read through either path is live and hostile, as everywhere in CHIRP.
 */
package io.chirp.libvirt;
