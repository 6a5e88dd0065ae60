package io.chirp.hypervisor.migration;

import io.chirp.core.ChirpException;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decodes the RAM part of a QEMU migration stream (savevm format version 3, pre-copy, no compression, no
 * multifd) and writes the latest version of every page of one RAM block into a file at the page's offset.
 * A page sent again in a later round overwrites the earlier one, so when RAM's final section ends the file
 * holds the guest's memory as of the moment QEMU stopped it.
 *
 * <p>The stream comes from a local QEMU, but it is parsed defensively all the same: every length is bounded.
 */
public final class MigrationStreamReader {
    static final int MAGIC = 0x5145564d;
    static final int EOF_SECTION = 0x00, START = 0x01, PART = 0x02, END = 0x03, FULL = 0x04, SUBSECTION = 0x05,
            CONFIGURATION = 0x07, FOOTER = 0x7e;
    static final long FLAG_ZERO = 0x02, FLAG_MEM_SIZE = 0x04, FLAG_PAGE = 0x08, FLAG_EOS = 0x10, FLAG_CONTINUE = 0x20,
            FLAG_XBZRLE = 0x40, FLAG_HOOK = 0x80, FLAG_COMPRESS = 0x100, FLAG_MULTIFD_FLUSH = 0x200;
    private static final int PAGE = 4096;
    private static final long PAGE_MASK = ~(long) (PAGE - 1);

    /**
     * What the stream contained.
     *
     * @param machine    the machine type from the configuration section
     * @param blocks     RAM block name to its used length
     * @param pagesSent  pages of the wanted block received (counting re-sends)
     * @param zeroPages  zero pages of the wanted block received
     * @param rounds     RAM sections received (setup, pre-copy rounds, completion)
     */
    public record Summary(String machine, Map<String, Long> blocks, long pagesSent, long zeroPages, int rounds) {}

    private final DataInputStream in;
    private final String wantedBlock;
    private final FileChannel out;
    private final Map<String, Long> blocks = new LinkedHashMap<>();
    private final byte[] page = new byte[PAGE];
    private final ByteBuffer zero = ByteBuffer.allocate(PAGE);
    /**
     * Pages written with data: a zero page needs writing only over one of those (the file starts sparse). Kept in
     * chunks of {@value #CHUNK_PAGES} pages so that a page far into a (claimed) large block costs one chunk, not a
     * bitmap up to it.
     */
    private final Map<Long, java.util.BitSet> written = new java.util.HashMap<>();
    private static final int CHUNK_PAGES = 1 << 15;
    private String machine = "";
    private String currentBlock;
    private int ramSection = -1;
    private long pages, zeros;
    private int rounds;

    /**
     * @param in          the stream as QEMU sends it
     * @param wantedBlock the RAM block to keep (the memory backend's id, e.g. "mem"; "pc.ram" without a backend)
     * @param out         where its pages go, at their block offsets (a sparse file sized to the block: a stream
     *                    claiming a bigger block is refused)
     */
    public MigrationStreamReader(InputStream in, String wantedBlock, FileChannel out) {
        this.in = new DataInputStream(new java.io.BufferedInputStream(in, 1 << 20));
        this.wantedBlock = wantedBlock;
        this.out = out;
    }

    /**
     * Reads until RAM is complete (the RAM section's END); the caller drains what follows.
     *
     * @throws ChirpException CORRUPT if the stream ends early or is malformed, UNAVAILABLE for features not read
     * @throws IOException    if reading the stream or writing the pages fails
     */
    public Summary readRam() throws IOException {
        try {
            return readSections();
        } catch (EOFException e) {
            throw ChirpException.corrupt("migration stream ended before RAM was complete (after " + pages + " pages)");
        }
    }

    private Summary readSections() throws IOException {
        if (in.readInt() != MAGIC) throw ChirpException.corrupt("not a QEMU migration stream");
        int version = in.readInt();
        if (version != 3) throw ChirpException.unavailable("migration stream version " + version + " is not supported");
        while (true) {
            int type = in.readUnsignedByte();
            switch (type) {
                case CONFIGURATION -> configuration();
                case START -> {
                    int id = in.readInt();
                    String name = shortString();
                    in.readInt(); // instance id
                    in.readInt(); // version id
                    if (!name.equals("ram")) {
                        throw ChirpException.unavailable("migration section '" + name + "' is not supported "
                                + "(block migration or dirty bitmaps enabled?)");
                    }
                    ramSection = id;
                    ramSetup();
                    footer(id);
                }
                case PART, END -> {
                    int id = in.readInt();
                    if (id != ramSection) throw ChirpException.unavailable("unexpected iterative section " + id);
                    ramPages();
                    footer(id);
                    rounds++;
                    if (type == END) return new Summary(machine, Map.copyOf(blocks), pages, zeros, rounds);
                }
                case FULL, EOF_SECTION -> throw ChirpException.corrupt("migration stream ended before RAM was complete");
                default -> throw ChirpException.corrupt("unknown migration section type 0x" + Integer.toHexString(type));
            }
        }
    }

    private void configuration() throws IOException {
        int len = in.readInt();
        if (len < 0 || len > 256) throw ChirpException.corrupt("bad machine name length " + len);
        machine = new String(in.readNBytes(len), StandardCharsets.US_ASCII);
        in.mark(1);
        // Subsections of the configuration that QEMU sends only when needed; decode the known ones.
        while (peek() == SUBSECTION) {
            in.readUnsignedByte();
            String name = shortString();
            in.readInt(); // version
            switch (name) {
                case "configuration/target-page-bits" -> {
                    int bits = in.readInt();
                    if (bits != 12) throw ChirpException.unavailable("target page bits " + bits + " (only 4 KiB pages)");
                }
                case "configuration/capabilities" -> {
                    int n = in.readInt();
                    if (n < 0 || n > 64) throw ChirpException.corrupt("bad capability count " + n);
                    for (int i = 0; i < n; i++) shortString();
                }
                case "configuration/uuid" -> in.readNBytes(16);
                default -> throw ChirpException.unavailable("unknown configuration subsection " + name);
            }
        }
    }

    private int peek() throws IOException {
        in.mark(1);
        int b = in.read();
        in.reset();
        if (b < 0) throw new EOFException();
        return b;
    }

    private void ramSetup() throws IOException {
        long first = in.readLong();
        if ((first & FLAG_MEM_SIZE) == 0) throw ChirpException.corrupt("RAM setup without MEM_SIZE");
        long total = first & PAGE_MASK;
        long seen = 0;
        int guard = 0;
        while (seen < total) {
            if (++guard > 4096) throw ChirpException.corrupt("too many RAM blocks");
            String name = shortString();
            long used = in.readLong();
            if (used < 0 || used > (1L << 43)) throw ChirpException.corrupt("bad RAM block length " + used);
            blocks.put(name, used);
            seen += used;
        }
        if (!blocks.containsKey(wantedBlock)) {
            throw ChirpException.unavailable("the migration stream has no RAM block '" + wantedBlock + "' (blocks: "
                    + String.join(", ", blocks.keySet()) + ")");
        }
        long wanted = blocks.get(wantedBlock);
        if (wanted > out.size()) {
            // The output is sized to the guest's RAM as QEMU reported it: a bigger block would grow it past that.
            throw ChirpException.corrupt("RAM block '" + wantedBlock + "' is " + wanted + " bytes in the migration stream, "
                    + "larger than the " + out.size() + " bytes of guest RAM");
        }
        long eos = in.readLong();
        if ((eos & FLAG_EOS) == 0) throw ChirpException.corrupt("RAM setup not terminated");
    }

    private void ramPages() throws IOException {
        while (true) {
            long word = in.readLong();
            long flags = word & ~PAGE_MASK;
            long offset = word & PAGE_MASK;
            if ((flags & FLAG_EOS) != 0) return;
            if ((flags & FLAG_MULTIFD_FLUSH) != 0 && (flags & (FLAG_PAGE | FLAG_ZERO)) == 0) continue;
            if ((flags & (FLAG_XBZRLE | FLAG_COMPRESS | FLAG_HOOK)) != 0) {
                throw ChirpException.unavailable("compressed or RDMA migration pages are not supported (flags 0x"
                        + Long.toHexString(flags) + ")");
            }
            if ((flags & FLAG_CONTINUE) == 0) currentBlock = shortString();
            if (currentBlock == null) throw ChirpException.corrupt("page with no RAM block");
            Long used = blocks.get(currentBlock);
            // offset < 0: bit 63 of the header word set (found by fuzzing: it reached BitSet and FileChannel as is)
            if (used == null || offset < 0 || offset >= used) throw ChirpException.corrupt("page outside RAM block " + currentBlock);
            boolean keep = currentBlock.equals(wantedBlock);
            if ((flags & FLAG_ZERO) != 0) {
                int fill = in.readUnsignedByte();
                if (keep) {
                    if (fill != 0) throw ChirpException.unavailable("non-zero fill page");
                    long pageNo = offset / PAGE;
                    java.util.BitSet chunk = written.get(pageNo / CHUNK_PAGES);
                    if (chunk != null && chunk.get((int) (pageNo % CHUNK_PAGES))) {
                        zero.clear();
                        out.write(zero, offset);
                        chunk.clear((int) (pageNo % CHUNK_PAGES));
                    }
                    zeros++;
                }
            } else if ((flags & FLAG_PAGE) != 0) {
                in.readFully(page);
                if (keep) {
                    out.write(ByteBuffer.wrap(page), offset);
                    long pageNo = offset / PAGE;
                    written.computeIfAbsent(pageNo / CHUNK_PAGES, k -> new java.util.BitSet(CHUNK_PAGES))
                            .set((int) (pageNo % CHUNK_PAGES));
                    pages++;
                }
            } else {
                throw ChirpException.corrupt("RAM record with flags 0x" + Long.toHexString(flags));
            }
        }
    }

    private void footer(int id) throws IOException {
        if (peek() == FOOTER) {
            in.readUnsignedByte();
            int fid = in.readInt();
            if (fid != id) throw ChirpException.corrupt("section footer " + fid + " does not match " + id);
        }
    }

    private String shortString() throws IOException {
        int len = in.readUnsignedByte();
        return new String(in.readNBytes(len), StandardCharsets.US_ASCII);
    }
}
