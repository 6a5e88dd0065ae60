package io.chirp.symbols.btf;

import io.chirp.core.ChirpException;
import io.chirp.core.PhysicalMemory;
import io.chirp.symbols.scan.PatternScanner;
import io.chirp.symbols.types.TypeModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Finds BTF blobs in guest-physical memory and picks the vmlinux one: the biggest blob whose string section
 * starts with "" and which parses completely (module BTF is split and cannot parse alone; stale partial copies
 * in free pages fail the parse).
 */
public final class BtfScanner {
    private static final Logger LOG = LoggerFactory.getLogger(BtfScanner.class);
    /** Module BTF is copied around (several copies per module); a few hundred hits is plenty. */
    static final int MAX_HITS = 1024;
    /** Parse attempts for the vmlinux blob before giving up (each parse of a bogus blob fails fast). */
    static final int MAX_ATTEMPTS = 16;

    /**
     * The vmlinux BTF.
     *
     * @param blob  where it was found
     * @param bytes a copy of the blob (a base for module BTF, and the bytes an ISF or /sys would hold)
     * @param types the parsed types
     */
    public record VmlinuxBtf(BtfBlob blob, byte[] bytes, TypeModel types) {}

    private final PatternScanner scanner;

    public BtfScanner() { this(new PatternScanner()); }

    public BtfScanner(PatternScanner scanner) { this.scanner = scanner; }

    /** {@return every blob with a sane header that lies entirely in backed memory, by address} */
    public List<BtfBlob> find(PhysicalMemory memory) {
        return find(memory, scanner.find(memory, BtfHeader.PREFIX, MAX_HITS));
    }

    /** {@return the sane blobs among hits of {@link BtfHeader#PREFIX} (from a shared scan)} */
    public static List<BtfBlob> find(PhysicalMemory memory, long[] hits) {
        List<BtfBlob> out = new ArrayList<>();
        for (long pa : hits) {
            if (!memory.isBacked(pa, BtfHeader.SIZE)) continue;
            BtfHeader h = BtfHeader.parse(memory.readBytes(pa, BtfHeader.SIZE));
            if (!h.sane() || !memory.isBacked(pa, h.totalSize())) continue;
            long strPa = pa + h.hdrLen() + h.strOff();
            boolean nul = memory.readBytes(strPa, 1)[0] == 0;
            out.add(new BtfBlob(pa, h, nul));
        }
        return out;
    }

    /** {@return a copy of the blob's bytes} */
    public static byte[] bytes(PhysicalMemory memory, BtfBlob blob) {
        return memory.readBytes(blob.pa(), (int) blob.size());
    }

    /**
     * {@return the vmlinux BTF}
     *
     * @throws ChirpException NOT_FOUND if no blob parses as a standalone BTF
     */
    public VmlinuxBtf vmlinux(PhysicalMemory memory) {
        return vmlinux(memory, find(memory));
    }

    /** {@return the vmlinux BTF among {@code blobs}} */
    public static VmlinuxBtf vmlinux(PhysicalMemory memory, List<BtfBlob> blobs) {
        List<BtfBlob> candidates = new ArrayList<>(blobs.stream().filter(BtfBlob::startsWithNul).toList());
        candidates.sort(Comparator.comparingLong(BtfBlob::size).reversed());
        int attempts = 0;
        for (BtfBlob b : candidates) {
            if (++attempts > MAX_ATTEMPTS) break;
            byte[] bytes = bytes(memory, b);
            try {
                TypeModel types = BtfParser.parse(bytes);
                LOG.debug("vmlinux BTF at 0x{}: {} bytes, {} types", Long.toHexString(b.pa()), b.size(), types.count());
                return new VmlinuxBtf(b, bytes, types);
            } catch (ChirpException e) {
                LOG.debug("BTF candidate at 0x{} rejected: {}", Long.toHexString(b.pa()), e.getMessage());
            }
        }
        throw ChirpException.notFound("no standalone BTF in " + memory.describe() + " (" + candidates.size()
                + " candidates; kernel without CONFIG_DEBUG_INFO_BTF?)");
    }
}
