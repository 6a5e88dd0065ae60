package io.chirp.net.qemu;

import io.chirp.net.pcap.CaptureFormat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A finished live capture, as evidence.
 *
 * @param vm      the VM's name
 * @param netdev  the QEMU netdev captured
 * @param started when the filter was added
 * @param stopped when it was removed
 * @param file    the capture file written
 * @param format  its format
 * @param packets frames captured
 * @param size    file size in bytes
 * @param sha256  SHA-256 of the file, lower-case hex
 * @param problem why QEMU's file ended early, if it did (a frame cut off when the filter was removed)
 * @param clockOffsetNanos how far QEMU's timestamps were ahead of host UTC (the file's are host UTC); empty when
 *                         no packet was captured to measure it on ({@link QemuDumpClock})
 */
public record CaptureResult(String vm, String netdev, Instant started, Instant stopped, Path file, CaptureFormat format,
                            long packets, long size, String sha256, Optional<String> problem, Optional<Long> clockOffsetNanos) {}
