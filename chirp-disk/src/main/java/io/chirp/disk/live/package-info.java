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
 * Hazard: the view shows what the guest had written back to its disk when the fleece started; dirty page cache is
 * not on the disk yet, and a mounted ext4 reads as "needs journal recovery". The overlay grows with every block the
 * guest overwrites while the fleece lives, so keep fleeces short.
 */
package io.chirp.disk.live;
