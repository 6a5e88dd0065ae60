package io.chirp.libvirt;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A pipe by file descriptor numbers (libc {@code pipe2} through FFM): its write end is handed to QEMU with a
 * monitor command ({@link LibvirtDomain#qmpWithFd}), its read end is read here. Java's own pipes have no file
 * descriptor numbers to give away. Both ends are close-on-exec, so no process CHIRP starts (a guardian) keeps
 * the write end open and the reader sees end-of-file when QEMU closes it.
 */
// Restricted FFM methods are the point of this class; the JVM flag that allows them is documented in package-info.
@SuppressWarnings("restricted")
final class FdPipe implements AutoCloseable {
    private static final long CHUNK = 1 << 20;
    private static final java.lang.foreign.StructLayout CALL_STATE = java.lang.foreign.Linker.Option.captureStateLayout();
    private static final java.lang.invoke.VarHandle ERRNO = CALL_STATE.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private final int readFd;
    private int writeFd;
    private boolean readClosed;

    private FdPipe(int readFd, int writeFd) {
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    static FdPipe open() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            int rc = (int) Native.PIPE2.invokeExact(fds, Native.O_CLOEXEC);
            if (rc != 0) throw ChirpException.unavailable("cannot make a pipe for the migration stream");
            return new FdPipe(fds.getAtIndex(ValueLayout.JAVA_INT, 0), fds.getAtIndex(ValueLayout.JAVA_INT, 1));
        } catch (ChirpException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@return the write end's descriptor, to hand to QEMU} */
    int writeFd() { return writeFd; }

    /** Closes this process's copy of the write end (QEMU has its own once the command passed it). */
    synchronized void closeWriteEnd() {
        if (writeFd < 0) return;
        close(writeFd);
        writeFd = -1;
    }

    /** {@return the read end as a stream; end-of-file once every write end is closed} */
    InputStream input() {
        return new InputStream() {
            private final Arena arena = Arena.ofShared();
            private final MemorySegment buf = arena.allocate(CHUNK);
            private final MemorySegment state = arena.allocate(CALL_STATE);

            @Override public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) return 0;
                while (true) {
                    long n;
                    try {
                        n = (long) Native.READ.invokeExact(state, readFd, buf, Math.min(len, CHUNK));
                    } catch (Throwable t) {
                        throw new IOException(t);
                    }
                    if (n > 0) {
                        MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                        return (int) n;
                    }
                    if (n == 0) return -1;
                    int errno = (int) ERRNO.get(state, 0L);
                    if (errno != Native.EINTR) throw new IOException("reading the migration pipe failed (errno " + errno + ")");
                }
            }

            private boolean closed;

            @Override public synchronized void close() {
                if (closed) return;
                closed = true;
                FdPipe.this.close();
                arena.close();
            }
        };
    }

    private static void close(int fd) {
        try {
            int ignored = (int) Native.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override public synchronized void close() {
        closeWriteEnd();
        if (!readClosed) {
            readClosed = true;
            close(readFd);
        }
    }
}
