/**
 * Live disks of running QEMU VMs, read without touching the guest.
 *
 * <pre>
 *   query-block -> BlockDevice (which node is the VM's disk)
 *   Fleece.open:  qemu-img create (temp qcow2, private dir)
 *                 blockdev-add  qcow2 overlay, backing = live node
 *                 blockdev-backup sync=none  (copy-before-write: the guest's writes push old data into the overlay)
 *                 nbd-server-start (unix socket in the private dir) + block-export-add writable=false
 *                 NbdExport -> a point-in-time, read-only BlockSource
 *   Fleece.close: reverse order, every step attempted even if an earlier one failed
 * </pre>
 *
 * A CHIRP killed mid-fleece cannot undo anything, and what it leaves (job, node, export, NBD server) makes every
 * later fleece of that VM fail. So every object is named {@code chirp-fleece-<pid>-<id>...}, an intent record under
 * {@code $CHIRP_HOME/fleece/} is written before each step, and {@link io.chirp.disk.live.Fleece#open} first removes
 * what dead CHIRP processes left on the same VM, reporting it ({@link io.chirp.disk.live.Fleece#cleanedUp()}).
 *
 * Hazard: the view shows what the guest had written back to its disk when the fleece started; dirty page cache is
 * not on the disk yet, and a mounted ext4 reads as "needs journal recovery". The overlay grows with every block the
 * guest overwrites while the fleece lives, so keep fleeces short.
 */
package io.chirp.disk.live;
