/**
 * Lab guests: real Linux VMs for CHIRP's tests, demo and benchmarks.
 *
 * <pre>
 *   GuestImageBuilder  (Debian kernel .deb + busybox + init.sh  ->  cached vmlinuz, initramfs, ext4 disk)
 *        |
 *   Scenario           (declarative: processes, files, sockets, users -> /chirp/scenario.sh appended as a cpio)
 *        |
 *   Lab.boot           (QEMU: RAM in /dev/shm, QMP unix socket, gdbstub on 127.0.0.1, serial log, restricted net)
 *        |
 *   LabGuest           (handles + GroundTruth parsed from the guest's own report on the serial console)
 *
 *   LibvirtDaemon      (a private libvirtd: own config/run/state folders in a mount namespace, RAM in /dev/shm)
 *        |
 *   LabDomain          (the same guest as a transient libvirt domain; same GroundTruth)
 * </pre>
 *
 * A guest never reaches a network: {@code -netdev user,restrict=on} with {@code guestfwd} rules only.
 * Every guest is watched by a reaper process so that no QEMU or RAM file outlives its owner.
 */
package io.chirp.lab;
