/**
 * libvirt as a way into VMs: a binding to libvirt's C API through the JDK's FFM API ({@code java.lang.foreign}),
 * with just the calls CHIRP needs.
 *
 * <pre>
 *   LibvirtConnection.open(uri)      virConnectOpen (+ keepalive), after EventLoop started virEventRunDefaultImpl
 *     |-- domains()                  virConnectListAllDomains: name, UUID, id, state, persistent
 *     |-- onLifecycle(listener)      virConnectDomainEventRegisterAny(LIFECYCLE), upcall on the event-loop thread
 *     '-- domain(name) -> LibvirtDomain
 *           |-- xml(), domainXml()   virDomainGetXMLDesc, parsed strictly (DomainXml: disks, NICs, memory backing)
 *           |-- qmp(), hmp()         virDomainQemuMonitorCommand (libvirt-qemu.so): query-status, info registers -a,
 *           |                        info mtree -f, qom-get
 *           |-- ramBackends()        which memory-backend objects QEMU has, and the file libvirt named for each
 *           '-- memoryPeek()         virDomainMemoryPeek(VIR_MEMORY_PHYSICAL), 64 KiB per call
 *   DomainMemory.open(domain)        the shared RAM file mapped read-only (chirp-memory's MappedFileMemory) with
 *                                    the layout from info mtree -f; memoryPeek when there is no such file
 * </pre>
 *
 * <h2>Why FFM and not the {@code org.libvirt:libvirt} JNA binding</h2>
 * <ul>
 *   <li><b>Maintenance.</b> The JNA binding's last release on Maven Central is 0.5.2 (years old); it declares JNA as
 *       a {@code provided} dependency limited to versions {@code [3.4.1,5.5.0]}, so CHIRP would have to pin an old
 *       JNA itself. FFM is part of the JDK (final since 22): no dependency, nothing to keep in step.</li>
 *   <li><b>Coverage.</b> CHIRP needs {@code virDomainQemuMonitorCommand} from {@code libvirt-qemu.so}, which is QEMU
 *       specific and the heart of this module (registers, memory layout, RAM file path); with FFM it is one more
 *       downcall handle, as is anything libvirt adds later. CHIRP uses about twenty functions: a thin binding of
 *       exactly those ({@link io.chirp.libvirt.Native}) is smaller than the wrapper layer over a general one.</li>
 *   <li><b>Event loop.</b> Events need {@code virEventRegisterDefaultImpl} before the first connection and a thread
 *       running {@code virEventRunDefaultImpl}; callbacks are one static upcall stub (allocated once, global) that
 *       dispatches on the opaque pointer, catches everything (an exception escaping an upcall would kill the JVM)
 *       and calls only local getters. The JNA binding offers the same loop, through JNA callbacks.</li>
 *   <li><b>memoryPeek.</b> Both can call {@code virDomainMemoryPeek}; with FFM it writes straight into a
 *       {@link java.lang.foreign.MemorySegment}, the type chirp-core's {@code PhysicalMemory.read} takes.</li>
 *   <li><b>JDK 25 native access.</b> Both are restricted: JNA loads JNI code (a warning on JDK 24+ unless
 *       {@code --enable-native-access}), FFM downcalls need the same flag. {@code ./chirp} and this module's tests
 *       pass {@code --enable-native-access=ALL-UNNAMED}; nothing else is needed (no {@code -dev} package: the
 *       libraries are found by soname in Debian's {@code libvirt0}).</li>
 * </ul>
 *
 * <h2>Hazards</h2>
 * libvirt keeps its last error per OS thread: calls and their error messages happen on the calling platform thread
 * (do not drive a connection from virtual threads that may move between calls). The RAM file path QEMU reports is
 * resolved in QEMU's mount namespace; with libvirt's default per-domain namespaces a memory_backing_dir under /dev
 * would not be the host's path. Guest memory read through either path is live and hostile, as everywhere in CHIRP.
 */
package io.chirp.libvirt;
