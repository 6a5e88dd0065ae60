/**
 * Live capture of a QEMU VM's traffic from the hypervisor side.
 *
 * <pre>
 *   QemuVm --netdevIds(argv)--> netdev id
 *   QMP object-add filter-dump(netdev, queue=all, file in a 0700 temp dir) ... frames ... object-del
 *   temp pcap --pcap.CaptureExport--> evidence file (pcap verbatim or pcapng) + SHA-256 --> CaptureResult
 * </pre>
 *
 * The filter is invisible to the guest; the only footprint is on the host (a QOM object, for the duration).
 */
package io.chirp.net.qemu;
