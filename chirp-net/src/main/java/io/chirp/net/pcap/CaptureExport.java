package io.chirp.net.pcap;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Turns a capture into evidence: written to a new file (never over an existing one), hashed while written, and
 * checked by reading it back packet by packet. A pcap source written as pcap is copied byte for byte, so the
 * evidence is exactly what the hypervisor recorded.
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

    /** Writes {@code source} to the new file {@code target} in {@code format}. */
    public static Exported export(Path source, Path target, CaptureFormat format) {
        MessageDigest sha = sha256();
        long packets;
        Optional<String> problem;
        // The source is opened first: a source that is no capture at all leaves no empty evidence file behind.
        try (CaptureReader reader = CaptureReader.open(source);
             OutputStream raw = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             DigestOutputStream out = new DigestOutputStream(raw, sha)) {
            if (format == CaptureFormat.PCAP && reader.format() == CaptureFormat.PCAP) {
                try (InputStream in = Files.newInputStream(source)) {
                    in.transferTo(out);
                }
                packets = 0;
                while (reader.next() != null) packets++;
            } else {
                int linkType = reader instanceof PcapReader p ? p.linkType() : LinkType.ETHERNET;
                try (CaptureWriter writer = CaptureWriter.create(nonClosing(out), format, linkType)) {
                    packets = CaptureWriter.copy(reader, writer);
                }
            }
            problem = reader.problem();
        } catch (FileAlreadyExistsException e) {
            throw ChirpException.usage("will not overwrite " + target + ": it exists");
        } catch (IOException e) {
            throw ChirpException.io("cannot write " + target + ": " + e.getMessage(), e);
        }
        try {
            return new Exported(target, format, packets, Files.size(target), HexFormat.of().formatHex(sha.digest()), problem);
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + target + ": " + e.getMessage(), e);
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
