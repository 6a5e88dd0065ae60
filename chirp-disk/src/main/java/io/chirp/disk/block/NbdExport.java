package io.chirp.disk.block;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A read-only client for one NBD export on a unix socket: fixed newstyle handshake, NBD_OPT_GO, then simple
 * NBD_CMD_READ requests (no structured replies). Requests are serialised: one connection, one request in flight.
 * The server is QEMU's (on a private socket CHIRP made), but its replies are still checked (magic, handle, error,
 * lengths). Reads block without a timeout: a stalled QEMU stalls the reader, as it would stall the guest's own I/O.
 */
public final class NbdExport implements BlockSource {
    private static final long NBDMAGIC = 0x4e42444d41474943L;
    private static final long IHAVEOPT = 0x49484156454F5054L;
    private static final long OPT_REPLY_MAGIC = 0x3e889045565a9L;
    private static final int REQUEST_MAGIC = 0x25609513;
    private static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    private static final int FLAG_FIXED_NEWSTYLE = 1, FLAG_NO_ZEROES = 2;
    private static final int OPT_GO = 7;
    private static final int REP_ACK = 1, REP_INFO = 3;
    private static final int INFO_EXPORT = 0, INFO_BLOCK_SIZE = 3;
    private static final short CMD_READ = 0, CMD_DISC = 2;
    private static final int MAX_OPTION_REPLY = 1 << 16;

    private final Path socket;
    private final String exportName;
    private final SocketChannel channel;
    private final long size;
    private final int minBlock;
    private final int maxRequest;
    private long nextHandle = 1;
    private boolean closed;

    private NbdExport(Path socket, String exportName, SocketChannel channel, long size, int minBlock, int maxRequest) {
        this.socket = socket;
        this.exportName = exportName;
        this.channel = channel;
        this.size = size;
        this.minBlock = minBlock;
        this.maxRequest = maxRequest;
    }

    /** Connects to {@code socket} and opens export {@code name}. */
    public static NbdExport connect(Path socket, String name) {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            return handshake(socket, name, ch);
        } catch (IOException e) {
            close(ch);
            throw ChirpException.unavailable("NBD export " + name + " at " + socket + ": " + e.getMessage());
        } catch (RuntimeException e) {
            close(ch);
            throw e;
        }
    }

    private static NbdExport handshake(Path socket, String name, SocketChannel ch) throws IOException {
        String what = "NBD server at " + socket;
        ByteBuffer hello = readN(ch, 18);
        if (hello.getLong() != NBDMAGIC || hello.getLong() != IHAVEOPT) throw ChirpException.corrupt(what + ": not a newstyle NBD server");
        int serverFlags = hello.getShort() & 0xffff;
        if ((serverFlags & FLAG_FIXED_NEWSTYLE) == 0) throw ChirpException.unavailable(what + ": server lacks fixed newstyle negotiation");
        writeAll(ch, be(4).putInt(FLAG_FIXED_NEWSTYLE | (serverFlags & FLAG_NO_ZEROES)).flip());
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer opt = be(16 + 4 + nameBytes.length + 2 + 2);
        opt.putLong(IHAVEOPT).putInt(OPT_GO).putInt(4 + nameBytes.length + 2 + 2);
        opt.putInt(nameBytes.length).put(nameBytes).putShort((short) 1).putShort((short) INFO_BLOCK_SIZE);
        writeAll(ch, opt.flip());
        long size = -1;
        int minBlock = 1, maxRequest = 32 << 20;
        for (int i = 0; i < 64; i++) {
            ByteBuffer h = readN(ch, 20);
            if (h.getLong() != OPT_REPLY_MAGIC) throw ChirpException.corrupt(what + ": bad option reply magic");
            int option = h.getInt(), type = h.getInt();
            long len = h.getInt() & 0xffffffffL;
            if (option != OPT_GO || len > MAX_OPTION_REPLY) throw ChirpException.corrupt(what + ": unexpected option reply");
            ByteBuffer data = readN(ch, (int) len);
            if (type == REP_ACK) {
                if (size < 0) throw ChirpException.corrupt(what + ": NBD_OPT_GO acknowledged without export size");
                return new NbdExport(socket, name, ch, size, minBlock, Math.min(maxRequest, 32 << 20));
            }
            if (type < 0) {
                String msg = new String(data.array(), StandardCharsets.UTF_8);
                throw ChirpException.notFound(what + ": export '" + name + "' refused (NBD error 0x" + Integer.toHexString(type) + ") " + msg);
            }
            if (type == REP_INFO && len >= 2) {
                int info = data.getShort() & 0xffff;
                if (info == INFO_EXPORT && len >= 12) size = data.getLong();
                if (info == INFO_BLOCK_SIZE && len >= 14) {
                    minBlock = data.getInt();
                    data.getInt();
                    maxRequest = data.getInt();
                    if (minBlock < 1 || minBlock > 65536 || Integer.bitCount(minBlock) != 1 || maxRequest < minBlock) {
                        throw ChirpException.corrupt(what + ": nonsensical block size constraints");
                    }
                }
            }
        }
        throw ChirpException.corrupt(what + ": too many option replies");
    }

    /** {@return the export name} */
    public String exportName() { return exportName; }

    @Override public String describe() { return "NBD export " + exportName + " at " + socket; }

    @Override public long size() { return size; }

    @Override
    public synchronized void read(long offset, byte[] dst, int dstOffset, int length) {
        BlockSource.checkRange(describe(), size, offset, length);
        if (closed) throw ChirpException.unavailable(describe() + " is closed");
        long end = offset + length;
        long pos = offset;
        while (pos < end) {
            // servers may demand aligned requests: read the aligned window around what is wanted
            long start = pos & -(long) minBlock;
            long stop = Math.min(size, Math.min(end + minBlock - 1 & -(long) minBlock, start + maxRequest));
            byte[] chunk = request(start, (int) (stop - start));
            int skip = (int) (pos - start);
            int n = (int) Math.min(end - pos, chunk.length - skip);
            System.arraycopy(chunk, skip, dst, dstOffset + (int) (pos - offset), n);
            pos += n;
        }
    }

    private byte[] request(long offset, int length) {
        long handle = nextHandle++;
        try {
            ByteBuffer req = be(28);
            req.putInt(REQUEST_MAGIC).putShort((short) 0).putShort(CMD_READ).putLong(handle).putLong(offset).putInt(length);
            writeAll(channel, req.flip());
            ByteBuffer rep = readN(channel, 16);
            if (rep.getInt() != SIMPLE_REPLY_MAGIC) throw ChirpException.corrupt(describe() + ": bad reply magic");
            int error = rep.getInt();
            if (rep.getLong() != handle) throw ChirpException.corrupt(describe() + ": reply for another request");
            if (error != 0) throw ChirpException.io(describe() + ": read of " + length + " bytes at 0x" + Long.toHexString(offset) + " failed with errno " + error, null);
            return readN(channel, length).array();
        } catch (IOException e) {
            closed = true;
            throw ChirpException.io(describe() + ": connection failed: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer be(int n) { return ByteBuffer.allocate(n).order(ByteOrder.BIG_ENDIAN); }

    private static void writeAll(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static ByteBuffer readN(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = be(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) throw new IOException("server closed the connection");
        }
        return b.flip();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            close(channel);
            return;
        }
        closed = true;
        try {
            ByteBuffer req = be(28);
            req.putInt(REQUEST_MAGIC).putShort((short) 0).putShort(CMD_DISC).putLong(nextHandle++).putLong(0).putInt(0);
            writeAll(channel, req.flip());
        } catch (IOException ignored) {
            // the server may already be gone; disconnecting is best effort
        }
        close(channel);
    }

    private static void close(SocketChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
