/**
 * The VM session broker: in each process, one owner per VM of its single-client channels, QEMU's QMP socket and
 * its gdbstub, shared by every user of the process (monitor watchers, the kernel tracer, one-shot views, a server).
 *
 * <pre>
 *   VmSessions.shared()                          one per JVM
 *     └ VmSession (per QEMU process)             LiveVm.attach, VmWatcher, KernelTracer get it here
 *         ├ qmp()  → QmpClient handle ─┐          any number, any thread; close = release
 *         │          QmpClient handle ─┼─ QmpConnection (one socket; reader thread; replies by id;
 *         │          ...              ─┘     events → each listener's bounded queue + thread)
 *         │                                   closed idleGrace after the last handle is released
 *         └ gdb(purpose, wait) → GdbLease     one holder at a time (the tracer, a register read, gdb reads);
 *                                             others wait up to their timeout, then hear who has it
 *   ChannelLease records ($CHIRP_HOME/sessions)  tell other processes who holds QMP / the gdbstub, and carry
 *                                             the holder's copy of QEMU's memory map for them
 * </pre>
 *
 * <h2>Threading and ownership</h2>
 * <ul>
 *   <li>A {@link io.chirp.hypervisor.session.VmSession} owns the VM's connections; users own only handles. A QMP
 *       handle is released by closing it (a {@code LiveVm} closes its own); the connection outlives it while other
 *       handles are open, then {@link io.chirp.hypervisor.session.VmSessions#idleGrace()} longer.</li>
 *   <li>Code that knows only a socket path ({@code QmpClient.connect}, e.g. a disk fleece or a capture) joins the
 *       connection the broker holds for it, rather than queueing behind it; without one it connects on its own.</li>
 *   <li>QMP requests from any thread go out serialised on the one socket, each with its own id; each caller waits
 *       only for its reply (bounded by the request timeout). QMP has no other multiplexing.</li>
 *   <li>QMP events are read by the connection's reader thread and offered to every listener's bounded queue; each
 *       listener runs on its own virtual thread. A slow listener loses its oldest events (counted, logged), never
 *       delays the reader, replies or other listeners. A command's caller still sees, in its own listeners, every
 *       event QEMU sent before the reply.</li>
 *   <li>The gdbstub pauses the guest while attached, so it is lent out, not shared: a
 *       {@link io.chirp.hypervisor.session.GdbLease} is exclusive and detaches on close. The tracer holds it while
 *       tracing; anyone else gets "the gdbstub of VM X is in use by the tracer", after waiting if they asked to.</li>
 *   <li>Across processes nothing can be shared (QEMU serves one client): the broker does not connect when a live
 *       lease record says another CHIRP process holds the channel, and names that process in the error. Memory
 *       needs neither channel: the RAM file is read directly, laid out by the holder's published memory map.</li>
 * </ul>
 */
package io.chirp.hypervisor.session;
