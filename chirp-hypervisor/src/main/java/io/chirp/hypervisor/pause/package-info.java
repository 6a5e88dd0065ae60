/**
 * Putting a VM back however CHIRP exits: what CHIRP changes on a VM (QMP stop, an outgoing migration with its
 * own parameters, a scratch file) is written down first and undone by whoever is left.
 *
 * <pre>
 *   PauseGuard.forPause / forMigration
 *     1. Guardian     setsid java ... Guardian PID QmpResume VM.json   (stdin: a pipe only CHIRP holds; the same
 *                     process, with its own resume action, guards a libvirt pause)
 *     2. PauseMarker  $CHIRP_HOME/state/paused/VM.json   (before anything changes; 0600)
 *     3. shutdown hook
 *   pause() / migrate ... restore() / close()   normal path: cont, settings back, scratch removed, marker removed,
 *                                               guardian dismissed (stdin closed, marker gone: it exits)
 *   exception, interrupt   close() in finally
 *   Ctrl-C, SIGTERM        hook: interrupt the worker, wait 3 s, else PauseRecovery itself
 *   SIGKILL                guardian: EOF on stdin, not dismissed, CHIRP gone -> QmpResume: marker still there ->
 *                          QMP (free now) -> PauseRecovery
 *   all of that failed     next CHIRP on the VM: PauseGuard.staleNotice / settleStale; chirp vm resume VM
 * </pre>
 *
 * Recovery undoes only what the marker records: a guest that was paused before CHIRP came stays paused.
 * Scratch folders are named {@code chirp-migration-VM-PID-RANDOM} under {@code $CHIRP_HOME/state/scratch}, so
 * a later CHIRP can tell whose they were and remove those of dead processes.
 */
package io.chirp.hypervisor.pause;
