package io.chirp.linux;

import io.chirp.core.ChirpException;
import io.chirp.lab.LabGuest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a command in the lab guest's root shell and reads its output from the console socket itself. Unlike
 * {@link LabGuest#shell}, which waits for the serial log, this drains the socket as output arrives: a client that does
 * not read stalls the guest's console after a few hundred bytes (seen with QEMU's socket chardev), so outputs such as
 * {@code cat /proc/PID/maps} would only appear once the command timed out.
 */
final class GuestShell {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private GuestShell() {}

    static synchronized String run(LabGuest g, String command, Duration timeout) {
        int n = SEQ.incrementAndGet() * 100_000 + (int) (System.nanoTime() & 0xffff);
        String begin = "GSOUT-" + n, end = "GSEND-" + n;
        String line = "printf '%s-%s\\n' GSOUT " + n + "; " + command + "; printf '%s-%s\\n' GSEND " + n + "\n";
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(g.serialSocket()));
            ch.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
            ch.configureBlocking(false);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                buf.clear();
                int got = ch.read(buf);
                if (got < 0) break;
                if (got > 0) {
                    seen.write(buf.array(), 0, got);
                    String text = seen.toString(StandardCharsets.ISO_8859_1).replace("\r", "");
                    int b = text.indexOf(begin + "\n");
                    int e = b < 0 ? -1 : text.indexOf(end, b);
                    if (e >= 0) return text.substring(b + begin.length() + 1, e);
                } else {
                    Thread.sleep(20);
                }
            }
            throw new ChirpException(ChirpException.Kind.IO, "guest " + g.name() + " did not answer within " + timeout
                    + ": " + command);
        } catch (IOException e) {
            throw ChirpException.io("cannot reach the serial console of " + g.name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted");
        }
    }
}
