package io.chirp.disk.acquire;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * The result of an acquisition; {@code FILE.manifest.json} (chirp-evidence's format) says the same.
 *
 * @param output        the image file
 * @param format        raw or qcow2
 * @param virtualSize   disk size in bytes
 * @param contentSha256 SHA-256 of the disk's bytes (the same for raw and qcow2 output of one disk)
 * @param fileSha256    SHA-256 of the output file as written (equals contentSha256 for raw)
 * @param started       start of the acquisition
 * @param finished      end of the acquisition
 * @param source        where the bytes came from (VM, node, point in time, or image path)
 * @param manifest      the manifest's path
 * @param tool          the tool and version that wrote it
 */
public record AcquiredDisk(Path output, DiskAcquisition.Format format, long virtualSize, String contentSha256,
                           String fileSha256, Instant started, Instant finished, Map<String, String> source,
                           Path manifest, String tool) {}
