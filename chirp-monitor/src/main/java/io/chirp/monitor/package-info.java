/**
 * Continuous monitoring of VMs: periodic snapshots diffed into changes, traced kernel events, both normalised
 * to OCSF, matched against Sigma rules, and written to sinks.
 *
 * <pre>
 *   VmWatcher (one virtual thread per VM)
 *     attach (LiveVm + LinuxKernel, once) -> every interval: Snapshotter.take -> Differ.diff(prev, next) -> Change
 *     optional KernelTracer (gdbstub breakpoints)                                     -> TraceEvent
 *   Monitor: Change / TraceEvent -> OcsfMapper -> OcsfEvent -> sinks
 *                                                        \-> Sigma Detector -> Detection Finding -> sinks, alerts
 * </pre>
 *
 * <p>A poll reads what changed where it can: the Snapshotter keeps the last rows by task address, and a task that
 * still runs the same program (start time, mm, exec count) is not asked again for its command line and executable.
 * Integrity checks and heuristics cost several times a poll (bench/reports/poll.md) and run every N-th poll only;
 * each finding is reported once, when it first appears (a finding missed by one run is kept, so a race with the guest
 * does not make it alert again).
 */
package io.chirp.monitor;
