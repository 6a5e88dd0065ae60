package io.chirp.memory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Just enough QMP for tests to pause, resume and dump a lab guest: the real client lives in chirp-hypervisor. */
public final class LabQmp implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    private LabQmp(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
    }

    public static LabQmp connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        LabQmp q = new LabQmp(ch);
        q.in.readLine(); // greeting
        q.execute("qmp_capabilities");
        return q;
    }

    /** Sends a command without arguments and returns its reply line. */
    public String execute(String command) {
        return execute(command, null);
    }

    /** Sends a command with a JSON object of arguments (or null) and returns its reply line, skipping events. */
    public String execute(String command, String argumentsJson) {
        try {
            String msg = "{\"execute\": \"" + command + "\"" + (argumentsJson == null ? "" : ", \"arguments\": " + argumentsJson) + "}\n";
            out.write(msg.getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 10_000; i++) {
                String line = in.readLine();
                if (line == null) throw new IOException("QMP closed");
                if (line.startsWith("{\"return\"")) return line;
                if (line.startsWith("{\"error\"")) throw new IllegalStateException(command + ": " + line);
            }
            throw new IllegalStateException("no reply to " + command);
        } catch (IOException e) {
            throw new IllegalStateException("QMP " + command + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
