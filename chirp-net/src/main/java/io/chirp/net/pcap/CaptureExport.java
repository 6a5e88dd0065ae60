package io.chirp.net.pcap;

import io.chirp.core.ChirpException;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a capture into evidence through {@link EvidenceWriter}: a new file (never over an existing one), hashed
 * while written, fsynced and renamed into place, with a manifest beside it, and checked by reading the source
 * packet by packet. A pcap source written as pcap is copied byte for byte, so the
 * evidence is exactly what the hypervisor recorded; or, when its clock is not the host's (QEMU's filter-dump),
 * byte for byte but each record's timestamp, moved by one offset the manifest states (so the original is recoverable).
 */
public final class CaptureExport {
    private CaptureExport() {}

    /**
     * What was written.
     *
     * @param file    the evidence file
     * @param format  its format
     * @param packets packets it holds
     * @param size    its size in bytes
     * @param sha256  SHA-256 of its bytes, lower-case hex
     * @param problem why the source ended early, if it did (the file then holds the sound part, or the copy)
     */
    public record Exported(Path file, CaptureFormat format, long packets, long size, String sha256, Optional<String> problem) {}

    /** Writes {@code source} to the new file {@code target} in {@code format}; the manifest names the source file. */
    public static Exported export(Path source, Path target, CaptureFormat format) {
        return export(source, target, format, new EvidenceManifest.Source(source.getFileName().toString(), "file",
                Map.of("source_file", source.toAbsolutePath().toString())), "convert", List.of());
    }

    /**
     * Writes {@code source} to the new file {@code target} in {@code format} through {@link EvidenceWriter}
     * ({@code target.partial}, fsync, atomic rename, 0600, {@code target.manifest.json} beside it).
     *
     * @param from   where the traffic came from, for the manifest
     * @param method how it was taken ("capture", "convert")
     * @param notes  what an examiner must know besides a source that ended early (added here)
     */
    public static Exported export(Path source, Path target, CaptureFormat format, EvidenceManifest.Source from,
                                  String method, List<String> notes) {
        return export(source, target, format, from, method, notes, 0, Map.of());
    }

    /**
     * As {@link #export(Path, Path, CaptureFormat, EvidenceManifest.Source, String, List)}, with every packet's
     * timestamp moved back by {@code shiftNanos} (a pcap copy keeps every other byte as the source has it) and
     * {@code moreDetails} in the manifest: a capture whose clock is not the host's (QEMU's) is written in host UTC.
     */
    public static Exported export(Path source, Path target, CaptureFormat format, EvidenceManifest.Source from,
                                  String method, List<String> notes, long shiftNanos, Map<String, Object> moreDetails) {
        long packets;
        Optional<String> problem;
        if (Files.exists(target)) throw ChirpException.usage("will not overwrite " + target + ": it exists");
        // The source is opened first: a source that is no capture at all leaves no empty evidence file behind.
        try (CaptureReader reader = CaptureReader.open(source); EvidenceWriter w = EvidenceWriter.create(target)) {
            OutputStream out = w.outputStream();
            if (format == CaptureFormat.PCAP && reader.format() == CaptureFormat.PCAP) {
                try (InputStream in = Files.newInputStream(source)) {
                    if (shiftNanos == 0) in.transferTo(out);
                    else PcapTimeShift.copy(in, out, shiftNanos);
                }
                packets = 0;
                while (reader.next() != null) packets++;
            } else {
                int linkType = reader instanceof PcapReader p ? p.linkType() : LinkType.ETHERNET;
                try (CaptureWriter writer = CaptureWriter.create(nonClosing(out), format, linkType)) {
                    packets = 0;
                    for (Packet p = reader.next(); p != null; p = reader.next()) {
                        writer.write(shiftNanos == 0 || p.timestampNanos() == 0 ? p : new Packet(p.number(),
                                p.timestampNanos() - shiftNanos, p.linkType(), p.originalLength(), p.data()));
                        packets++;
                    }
                }
            }
            problem = reader.problem();
            List<String> all = new ArrayList<>(notes);
            problem.ifPresent(p -> all.add("the source ends early: " + p + " (the file holds the sound part)"));
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("packets", packets);
            details.put("source_format", reader.format().name());
            details.putAll(moreDetails);
            EvidenceManifest m = w.commit(new EvidenceWriter.Description("network-capture", format.name(), from, method,
                    true, all, details));
            return new Exported(target, format, packets, m.size(), m.sha256(), problem);
        } catch (IOException e) {
            throw ChirpException.io("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** {@return SHA-256 of a file, lower-case hex} */
    public static String sha256(Path file) {
        MessageDigest sha = sha256();
        try (InputStream in = Files.newInputStream(file);
             OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), sha)) {
            in.transferTo(sink);
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + file + ": " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "no SHA-256 in this JDK", e);
        }
    }

    /** The writer closes its stream; the digest stream must outlive it. */
    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }
            @Override public void close() throws IOException { out.flush(); }
        };
    }
}
