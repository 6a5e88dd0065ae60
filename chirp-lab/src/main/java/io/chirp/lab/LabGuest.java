package io.chirp.lab;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running lab guest and its handles: RAM file, QMP socket, gdbstub port, serial console and log, disk overlay,
 * and the ground truth it printed at boot. Closing it stops QEMU and removes its RAM file and state.
 *
 * @param name       the guest's name (also QEMU's -name)
 * @param dir        its state folder (sockets, logs, overlay disk, guest.properties)
 * @param pid        the QEMU process id
 * @param ramFile    the memory-backend file holding the guest's RAM
 * @param memoryBytes RAM size
 * @param qmpSocket  QMP unix socket
 * @param gdbPort    gdbstub TCP port on 127.0.0.1
 * @param serialLog  everything the serial console printed
 * @param serialSocket the serial console (unix socket) for typing commands
 * @param disk       the qcow2 overlay the guest writes to
 * @param bootMillis time from QEMU start to the ready marker
 */
public record LabGuest(String name, Path dir, long pid, Path ramFile, long memoryBytes, Path qmpSocket, int gdbPort,
                       Path serialLog, Path serialSocket, Path disk, long bootMillis) implements AutoCloseable {

    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final Object CONSOLE = new Object();

    /** {@return the ground truth the guest printed at boot} */
    public GroundTruth groundTruth() {
        return GroundTruth.parse(serialText()).orElseThrow(() ->
                ChirpException.corrupt("guest " + name + " printed no ground truth; serial log: " + serialLog));
    }

    /** {@return the whole serial log so far} */
    public String serialText() {
        try {
            return Files.readString(serialLog, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /** {@return true while QEMU runs} */
    public boolean isAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Runs a command in the guest's root shell on the serial console and returns what it printed.
     * For tests that change the guest while CHIRP watches; CHIRP itself never uses this channel.
     */
    public String shell(String command, Duration timeout) {
        synchronized (CONSOLE) {
            int n = SEQ.incrementAndGet() + (int) (System.nanoTime() & 0xffff) * 1000;
            String begin = "CHIRPOUT-" + n, end = "CHIRPEND-" + n;
            // Three lines, not one joined with ';': a command ending in '&' would make "& ;" a syntax error.
            String line = "printf '%s-%s\\n' CHIRPOUT " + n + "\n" + command + "\nprintf '%s-%s\\n' CHIRPEND " + n + "\n";
            int from = serialText().length();
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(serialSocket));
                ByteBuffer cmd = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
                while (cmd.hasRemaining()) ch.write(cmd);
                // While a client is connected QEMU sends the console output to it too; unread, it would fill the
                // socket and stall the guest's serial port. Drain it; the answer is read from the log file.
                ch.configureBlocking(false);
                ByteBuffer sink = ByteBuffer.allocate(1 << 16);
                long deadline = System.nanoTime() + timeout.toNanos();
                while (System.nanoTime() < deadline) {
                    while (ch.read(sink.clear()) > 0) {
                        // discard
                    }
                    String text = serialText();
                    String tail = text.length() > from ? text.substring(from) : "";
                    String out = between(tail, begin, end, line);
                    if (out != null) return out;
                    if (!isAlive()) throw ChirpException.unavailable("guest " + name + " died during: " + command);
                    Thread.sleep(50);
                }
                throw new ChirpException(ChirpException.Kind.IO, "guest " + name + " did not answer within "
                        + timeout + ": " + command);
            } catch (IOException e) {
                throw ChirpException.io("cannot reach the serial console of " + name + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted");
            }
        }
    }

    /**
     * The command's output between the begin and end marker lines, or null while the end has not arrived.
     * Under load QEMU's serial log occasionally repeats a character ("CHIRPPEND"): markers are matched with runs of
     * a repeated character collapsed, so one doubled byte cannot hide the end of the answer.
     */
    static String between(String tail, String begin, String end, String typedText) {
        String[] lines = tail.replace("\r", "").split("\n", -1);
        String b = squeeze(begin), e = squeeze(end);
        java.util.Set<String> typed = new java.util.HashSet<>();
        for (String t : typedText.split("\n")) typed.add(squeeze(t));
        int start = -1;
        for (int i = 0; i < lines.length - 1; i++) {        // the last element is an unfinished line
            String sq = squeeze(lines[i]);
            if (start < 0) {
                if (sq.equals(b)) start = i + 1;
            } else if (sq.endsWith(e)) {
                StringBuilder kept = new StringBuilder();
                for (int j = start; j < i; j++) {
                    // The console echoes what was typed; a line may arrive after the shell has started.
                    if (typed.contains(squeeze(lines[j]))) continue;
                    kept.append(lines[j]).append('\n');
                }
                // Output without a final newline shares its last line with the end marker.
                int cut = lines[i].lastIndexOf(end.substring(0, 5));
                if (cut > 0) kept.append(lines[i], 0, cut).append('\n');
                return kept.length() > 0 ? kept.substring(0, kept.length() - 1) : "";
            }
        }
        return null;
    }

    /** {@return s with every run of one repeated character collapsed to one} */
    public static String squeeze(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            if (i == 0 || s.charAt(i) != s.charAt(i - 1)) sb.append(s.charAt(i));
        }
        return sb.toString();
    }

    /** Stops QEMU (SIGTERM, then SIGKILL) and removes the RAM file and the state folder. */
    @Override
    public void close() {
        Lab.stop(this);
    }

    void save() throws IOException {
        Properties p = new Properties();
        p.setProperty("name", name);
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("ram", ramFile.toString());
        p.setProperty("memory", Long.toString(memoryBytes));
        p.setProperty("qmp", qmpSocket.toString());
        p.setProperty("gdb", Integer.toString(gdbPort));
        p.setProperty("serial.log", serialLog.toString());
        p.setProperty("serial.socket", serialSocket.toString());
        p.setProperty("disk", disk.toString());
        p.setProperty("boot.millis", Long.toString(bootMillis));
        try (OutputStream out = Files.newOutputStream(dir.resolve("guest.properties"))) {
            p.store(out, "CHIRP lab guest");
        }
    }

    static Optional<LabGuest> load(Path dir) {
        Path f = dir.resolve("guest.properties");
        if (!Files.isRegularFile(f)) return Optional.empty();
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(f)) {
            p.load(in);
            return Optional.of(new LabGuest(p.getProperty("name"), dir, Long.parseLong(p.getProperty("pid")),
                    Path.of(p.getProperty("ram")), Long.parseLong(p.getProperty("memory")),
                    Path.of(p.getProperty("qmp")), Integer.parseInt(p.getProperty("gdb")),
                    Path.of(p.getProperty("serial.log")), Path.of(p.getProperty("serial.socket")),
                    Path.of(p.getProperty("disk")), Long.parseLong(p.getProperty("boot.millis", "0"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
