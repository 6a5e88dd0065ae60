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
 */
package io.chirp.monitor;
