package io.chirp.hypervisor.qemu;

import io.chirp.core.ChirpException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of QEMU's gdbstub (the GDB remote serial protocol over TCP). Register layout is read from the stub's
 * own target description (qXfer:features), not hard-coded. Note that QEMU stops the VM while a gdb client is
 * attached and the stub is not told to continue: callers keep sessions short and always {@link #close()}.
 */
public final class GdbRemote implements AutoCloseable {
    private static final HexFormat HEX = HexFormat.of();
    private static final int MAX_PACKET = 1 << 20;

    /** One register of the target description, in the order the 'g' packet returns them. */
    public record Register(String name, int bits, int number) {}

    /** Handshake replies come at once from a stub that serves us; a stub busy with another client never answers. */
    private static final int HANDSHAKE_TIMEOUT_MS = 5000;
    private static final int REQUEST_TIMEOUT_MS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String endpoint;
    private List<Register> registers;
    private int threads = 1;
    private volatile ChannelLease lease;

    private GdbRemote(String host, int port) throws IOException {
        this.endpoint = host + ":" + port;
        this.socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
            socket.setTcpNoDelay(true);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to a gdbstub (QEMU pauses the VM on attach). */
    public static GdbRemote connect(String host, int port) { return connect(host, port, ""); }

    /**
     * Connects to a gdbstub (QEMU pauses the VM on attach), recording {@code purpose} ("tracer", "registers") for
     * other CHIRP processes that find it busy.
     *
     * @throws ChirpException UNAVAILABLE within seconds when the stub cannot be had, saying who holds it if known
     */
    public static GdbRemote connect(String host, int port, String purpose) {
        String endpoint = host + ":" + port;
        Optional<ChannelLease> held = holder(host, port);
        // QEMU's stub serves one client; another would wait unanswered in its listen queue.
        if (held.isPresent()) {
            throw ChirpException.unavailable("the gdbstub at " + endpoint + " is held by " + held.get().describe()
                    + "; QEMU serves one gdb client at a time");
        }
        GdbRemote g;
        try {
            g = new GdbRemote(host, port);
        } catch (IOException e) {
            throw ChirpException.unavailable("cannot connect to the gdbstub at " + endpoint + ": " + e.getMessage());
        }
        try {
            g.command("qSupported:xmlRegisters=i386");
            g.command("?");
            g.socket.setSoTimeout(REQUEST_TIMEOUT_MS);
        } catch (ChirpException | IOException e) {
            g.abandon();
            boolean silent = e.getMessage() != null && e.getMessage().contains("did not answer");
            throw ChirpException.unavailable(silent
                    ? "the gdbstub at " + endpoint + " accepted the connection but did not answer within "
                      + HANDSHAKE_TIMEOUT_MS / 1000 + " s: QEMU serves one gdb client at a time and it is held by "
                      + ChannelLease.read("gdb", endpoint).map(l -> l.isOurs() ? "this process itself (" + l.describe()
                              + "; users of one process take the gdbstub from the VM's VmSession)" : l.describe())
                              .orElse("another client")
                    : "cannot connect to the gdbstub at " + endpoint + ": " + e.getMessage());
        }
        g.lease = ChannelLease.write("gdb", endpoint, purpose, Map.of());
        return g;
    }

    /** {@return the CHIRP process (other than this one) attached to the gdbstub at host:port, if any} */
    public static Optional<ChannelLease> holder(String host, int port) {
        return ChannelLease.read("gdb", host + ":" + port).filter(l -> !l.isOurs());
    }

    /** Drops a connection that never got going, without the detach handshake. */
    private void abandon() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to undo
        }
    }

    /** Sends a packet and returns the reply payload. */
    public synchronized String command(String payload) {
        try {
            send(payload);
            return receive();
        } catch (SocketTimeoutException e) {
            throw ChirpException.unavailable("gdbstub " + endpoint + " did not answer '" + first(payload) + "'");
        } catch (IOException e) {
            throw ChirpException.io("gdbstub " + endpoint + ": " + e.getMessage(), e);
        }
    }

    private void send(String payload) throws IOException {
        int sum = 0;
        for (byte b : payload.getBytes(StandardCharsets.ISO_8859_1)) sum += b & 0xff;
        String pkt = "$" + payload + "#" + String.format("%02x", sum & 0xff);
        for (int attempt = 0; attempt < 3; attempt++) {
            out.write(pkt.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            for (int stray = 0; stray < 64; stray++) {
                int ack = in.read();
                if (ack == '+') return;
                if (ack == '-') break;
                if (ack < 0) throw new IOException("connection closed");
                // A stop notification QEMU sent on attach ($T02...) can precede the ack: take it and go on.
                if (ack == '$') skipPacket();
            }
        }
        throw new IOException("packet not acknowledged");
    }

    private void skipPacket() throws IOException {
        int c, n = 0;
        while ((c = in.read()) != '#') {
            if (c < 0 || ++n > MAX_PACKET) throw new IOException("connection closed");
        }
        in.read();
        in.read();
        out.write('+');
        out.flush();
    }

    private String receive() throws IOException {
        while (true) {
            int c;
            do {
                c = in.read();
                if (c < 0) throw new IOException("connection closed");
            } while (c != '$');
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int sum = 0;
            while ((c = in.read()) != '#') {
                if (c < 0) throw new IOException("connection closed");
                if (buf.size() > MAX_PACKET) throw new IOException("reply too long");
                buf.write(c);
                sum += c;
            }
            int c1 = in.read(), c2 = in.read();
            if (c1 < 0 || c2 < 0) throw new IOException("connection closed");
            int expect = Integer.parseInt("" + (char) c1 + (char) c2, 16);
            if ((sum & 0xff) != expect) {
                out.write('-');
                out.flush();
                continue;
            }
            out.write('+');
            out.flush();
            String s = decodeRunLength(buf.toString(StandardCharsets.ISO_8859_1));
            if (s.startsWith("O") && !s.equals("OK") && s.length() % 2 == 1) continue; // console output packet
            return s;
        }
    }

    /** GDB replies may be run-length encoded: "x*N" repeats x (N - 29) more times. */
    private static String decodeRunLength(String s) {
        if (s.indexOf('*') < 0) return s;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' && i + 1 < s.length() && sb.length() > 0) {
                int n = s.charAt(++i) - 29;
                char prev = sb.charAt(sb.length() - 1);
                for (int k = 0; k < n && sb.length() < MAX_PACKET * 2; k++) sb.append(prev);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** {@return the register layout of the target, from its XML description} */
    public synchronized List<Register> registers() {
        if (registers == null) {
            List<Register> regs = new ArrayList<>();
            readFeature("target.xml", regs, 0);
            if (regs.isEmpty()) throw ChirpException.unavailable("gdbstub gave no register description");
            registers = List.copyOf(regs);
        }
        return registers;
    }

    private static final Pattern REG = Pattern.compile("<reg\\s+([^>]*)/?>");
    private static final Pattern ATTR = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final Pattern INCLUDE = Pattern.compile("<xi:include\\s+href=\"([^\"]+)\"");

    private void readFeature(String annex, List<Register> regs, int depth) {
        if (depth > 4) return;
        StringBuilder xml = new StringBuilder();
        for (int off = 0; off < 1 << 20; ) {
            String r = command("qXfer:features:read:" + annex + ":" + Integer.toHexString(off) + ",fff");
            if (r.isEmpty() || r.startsWith("E")) break;
            xml.append(r, 1, r.length());
            off += r.length() - 1;
            if (r.charAt(0) == 'l') break;
        }
        String text = xml.toString().replaceAll("(?s)<!--.*?-->", "");
        Matcher m = Pattern.compile(INCLUDE.pattern() + "|" + REG.pattern()).matcher(text);
        while (m.find()) {
            if (m.group(1) != null) {
                readFeature(m.group(1), regs, depth + 1);
            } else {
                Map<String, String> a = new LinkedHashMap<>();
                Matcher am = ATTR.matcher(m.group(2));
                while (am.find()) a.put(am.group(1), am.group(2));
                int num = a.containsKey("regnum") ? Integer.parseInt(a.get("regnum")) : regs.size();
                regs.add(new Register(a.getOrDefault("name", "r" + num), Integer.parseInt(a.getOrDefault("bitsize", "64")), num));
            }
        }
    }

    /**
     * Reads all registers of the current thread (vCPU) with the 'g' packet.
     *
     * @return register name to value (registers wider than 64 bits are skipped)
     */
    public synchronized Map<String, Long> readRegisters() {
        String g = command("g");
        if (g.startsWith("E")) throw ChirpException.unavailable("gdbstub refused to read registers: " + g);
        Map<String, Long> out = new LinkedHashMap<>();
        int pos = 0;
        for (Register r : registers()) {
            int chars = r.bits() / 4;
            if (pos + chars > g.length()) break;
            if (r.bits() <= 64 && !g.startsWith("x", pos)) {
                byte[] b = HEX.parseHex(g, pos, pos + chars);
                long v = 0;
                for (int i = b.length - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
                out.put(r.name(), v);
            }
            pos += chars;
        }
        return out;
    }

    /**
     * Reads one register of the current thread with the 'p' packet. The 'g' packet carries only the core set;
     * AArch64's system registers (QEMU's system-registers.xml: TTBR0_EL1, TCR_EL1, VBAR, SP_EL0...) come one by one.
     *
     * @return its value, or empty if the stub refuses it or it is wider than 64 bits
     */
    public synchronized java.util.OptionalLong readRegister(Register r) {
        if (r.bits() > 64) return java.util.OptionalLong.empty();
        String v = command("p" + Integer.toHexString(r.number()));
        if (v.isEmpty() || v.startsWith("E") || v.length() < r.bits() / 4 || v.startsWith("x")) {
            return java.util.OptionalLong.empty();
        }
        byte[] b = HEX.parseHex(v, 0, r.bits() / 4);
        long out = 0;
        for (int i = b.length - 1; i >= 0; i--) out = (out << 8) | (b[i] & 0xff);
        return java.util.OptionalLong.of(out);
    }

    /** {@return the vCPU thread ids the stub reports (one per vCPU)} */
    public synchronized List<String> threadIds() {
        List<String> ids = new ArrayList<>();
        String r = command("qfThreadInfo");
        for (int guard = 0; guard < 1024 && r.startsWith("m"); guard++) {
            for (String t : r.substring(1).split(",")) ids.add(t);
            r = command("qsThreadInfo");
        }
        threads = Math.max(1, ids.size());
        return ids;
    }

    /** Selects the vCPU for register reads ('Hg'). */
    public synchronized void selectThread(String id) {
        String r = command("Hg" + id);
        if (!r.equals("OK")) throw ChirpException.unavailable("gdbstub cannot select thread " + id + ": " + r);
    }

    /** Switches 'm' packets to guest-physical addresses (QEMU extension) or back to virtual. */
    public synchronized void physicalMode(boolean on) {
        String r = command("Qqemu.PhyMemMode:" + (on ? 1 : 0));
        if (!r.equals("OK")) throw ChirpException.unavailable("gdbstub has no physical memory mode: " + r);
    }

    /** Reads memory ('m' packet), in the current mode (virtual through the vCPU's CR3, or physical). */
    public synchronized byte[] readMemory(long address, int length) {
        ByteArrayOutputStream result = new ByteArrayOutputStream(length);
        int done = 0;
        while (done < length) {
            int n = Math.min(length - done, 2048);
            String r = command("m" + Long.toHexString(address + done) + "," + Integer.toHexString(n));
            if (r.startsWith("E") || r.isEmpty() || r.length() != n * 2) {
                throw new io.chirp.core.UnmappedException(address + done, true, "gdbstub cannot read it (" + r + ")");
            }
            result.writeBytes(HEX.parseHex(r));
            done += n;
        }
        return result.toByteArray();
    }

    /**
     * Writes memory ('M' packet), in the current mode (virtual or physical). For tests that tamper with a guest the
     * way a rootkit would; QEMU writes through page protections, so read-only kernel text changes too.
     */
    public synchronized void writeMemory(long address, byte[] data) {
        for (int done = 0; done < data.length; ) {
            int n = Math.min(data.length - done, 1024);
            String r = command("M" + Long.toHexString(address + done) + "," + Integer.toHexString(n) + ":"
                    + HEX.formatHex(data, done, done + n));
            if (!r.equals("OK")) {
                throw new io.chirp.core.UnmappedException(address + done, true, "gdbstub cannot write it (" + r + ")");
            }
            done += n;
        }
    }

    /** Inserts (true) or removes (false) a software breakpoint at a guest-virtual address. */
    public synchronized void breakpoint(long address, boolean insert) {
        String r = command((insert ? "Z0," : "z0,") + Long.toHexString(address) + ",1");
        if (!r.equals("OK")) throw ChirpException.unavailable("gdbstub breakpoint at 0x" + Long.toHexString(address) + ": " + r);
    }

    /**
     * Lets the VM run ('c') without waiting: the reply is a stop packet, sent when a breakpoint is hit; take it
     * with {@link #awaitStop}. Nothing else may be sent until then, except {@link #interrupt}.
     */
    public synchronized void resume() {
        try {
            send("c");
        } catch (IOException e) {
            throw ChirpException.io("gdbstub " + endpoint + ": " + e.getMessage(), e);
        }
    }

    /** {@return the next stop packet (e.g. "T05thread:01;"), or null if none came within {@code timeoutMillis}} */
    public synchronized String awaitStop(int timeoutMillis) {
        try {
            socket.setSoTimeout(Math.max(1, timeoutMillis));
            try {
                return receive();
            } finally {
                socket.setSoTimeout(REQUEST_TIMEOUT_MS);
            }
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            throw ChirpException.io("gdbstub " + endpoint + ": " + e.getMessage(), e);
        }
    }

    /** Stops a running VM (the out-of-band ^C); a stop packet follows, to be taken with {@link #awaitStop}. */
    public void interrupt() {
        try {
            synchronized (out) {
                out.write(3);
                out.flush();
            }
        } catch (IOException e) {
            throw ChirpException.io("gdbstub " + endpoint + ": " + e.getMessage(), e);
        }
    }

    /** Resumes the VM and detaches, so the guest runs freely again. */
    @Override
    public synchronized void close() {
        try {
            if (!socket.isClosed()) {
                send("D");
                try { receive(); } catch (IOException ignored) { /* detaching anyway */ }
            }
        } catch (IOException ignored) {
            // the socket is going away
        } finally {
            try { socket.close(); } catch (IOException ignored) { /* nothing left to do */ }
            ChannelLease l = lease;
            lease = null;
            if (l != null) l.remove();
        }
    }

    private static String first(String p) { return p.length() > 20 ? p.substring(0, 20) + "..." : p; }
}
