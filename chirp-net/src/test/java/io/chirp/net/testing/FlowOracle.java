package io.chirp.net.testing;

import io.chirp.net.flow.Flow;
import io.chirp.net.flow.FlowReport;
import io.chirp.net.proto.AppData;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The same capture seen by tshark and by CHIRP, in comparable form: per flow (protocol and endpoints, the smaller
 * endpoint first) frames and bytes each way; per frame the names tshark extracts; conversation frame totals.
 */
public final class FlowOracle {
    private FlowOracle() {}

    /** Decode-as rules: tshark only dissects HTTP and TLS on ports it knows, CHIRP looks at content. */
    private static final String[] DECODE_AS = {"-d", "tcp.port==8000,http", "-d", "tcp.port==8080,http"};

    /** {@return "proto a b" -> "framesAB bytesAB framesBA bytesBA", from tshark's per-frame fields} */
    public static Map<String, String> tsharkFlows(Path file) {
        String out = Tshark.read(file, "-T", "fields", "-E", "occurrence=f", "-e", "frame.len", "-e", "ip.src", "-e", "ipv6.src",
                "-e", "ip.dst", "-e", "ipv6.dst", "-e", "ip.proto", "-e", "ipv6.nxt", "-e", "tcp.srcport", "-e", "tcp.dstport",
                "-e", "udp.srcport", "-e", "udp.dstport");
        Map<String, long[]> acc = new TreeMap<>();
        for (String line : out.split("\n")) {
            String[] c = line.split("\t", -1);
            if (c.length < 11) continue;
            String src = !c[1].isEmpty() ? c[1] : c[2], dst = !c[3].isEmpty() ? c[3] : c[4];
            if (src.isEmpty()) continue; // not IP
            String proto = !c[5].isEmpty() ? c[5] : c[6];
            String sp = !c[7].isEmpty() ? c[7] : !c[9].isEmpty() ? c[9] : "0";
            String dp = !c[8].isEmpty() ? c[8] : !c[10].isEmpty() ? c[10] : "0";
            add(acc, proto, src + " " + sp, dst + " " + dp, Long.parseLong(c[0]));
        }
        return render(acc);
    }

    /** {@return the same view of CHIRP's flows} */
    public static Map<String, String> chirpFlows(FlowReport r) {
        Map<String, long[]> acc = new TreeMap<>();
        for (Flow f : r.flows()) {
            String c = f.client().ipText() + " " + f.client().port(), s = f.server().ipText() + " " + f.server().port();
            String key = key(Integer.toString(f.protocol()), c, s);
            long[] v = acc.computeIfAbsent(key, k -> new long[4]);
            boolean clientFirst = c.compareTo(s) <= 0;
            Flow.Direction ab = clientFirst ? f.toServer() : f.toClient(), ba = clientFirst ? f.toClient() : f.toServer();
            v[0] += ab.packets(); v[1] += ab.bytes(); v[2] += ba.packets(); v[3] += ba.bytes();
        }
        return render(acc);
    }

    private static void add(Map<String, long[]> acc, String proto, String src, String dst, long len) {
        long[] v = acc.computeIfAbsent(key(proto, src, dst), k -> new long[4]);
        int i = src.compareTo(dst) <= 0 ? 0 : 2;
        v[i]++;
        v[i + 1] += len;
    }

    private static String key(String proto, String a, String b) {
        return proto + " " + (a.compareTo(b) <= 0 ? a + " " + b : b + " " + a);
    }

    private static Map<String, String> render(Map<String, long[]> acc) {
        Map<String, String> out = new TreeMap<>();
        acc.forEach((k, v) -> out.put(k, v[0] + " " + v[1] + " " + v[2] + " " + v[3]));
        return out;
    }

    private static final Pattern CONV = Pattern.compile("^(\\S+)\\s+<->\\s+(\\S+)\\s+(\\d+)\\s+\\S+\\s+\\S+\\s+(\\d+)\\s+\\S+\\s+\\S+\\s+(\\d+)\\s");

    /** {@return sorted "frames" totals of tshark's conversation table for tcp or udp} */
    public static List<Long> tsharkConversationFrames(Path file, String proto) {
        List<Long> out = new ArrayList<>();
        for (String line : Tshark.read(file, "-q", "-z", "conv," + proto).split("\n")) {
            Matcher m = CONV.matcher(line);
            if (m.find()) out.add(Long.parseLong(m.group(5)));
        }
        out.sort(null);
        return out;
    }

    /** {@return CHIRP's flows' frame totals for a protocol, sorted} */
    public static List<Long> chirpConversationFrames(FlowReport r, int protocol) {
        return r.flows().stream().filter(f -> f.protocol() == protocol).map(Flow::packets).sorted().toList();
    }

    /** {@return frame number -> "dnsNames|httpHost|httpUri|sni|a|aaaa|cname" as tshark sees them (frames with any)} */
    public static Map<Long, String> tsharkNames(Path file) {
        List<String> args = new ArrayList<>(List.of(DECODE_AS));
        args.addAll(List.of("-T", "fields", "-E", "separator=|", "-E", "aggregator=,", "-e", "frame.number", "-e", "dns.qry.name",
                "-e", "http.host", "-e", "http.request.uri", "-e", "tls.handshake.extensions_server_name", "-e", "dns.a", "-e", "dns.aaaa",
                "-e", "dns.cname"));
        Map<Long, String> out = new TreeMap<>();
        for (String line : Tshark.read(file, args.toArray(String[]::new)).split("\n")) {
            int bar = line.indexOf('|');
            if (bar < 0) continue;
            String rest = line.substring(bar + 1);
            if (!rest.replace("|", "").isBlank()) out.put(Long.parseLong(line.substring(0, bar)), rest);
        }
        return out;
    }

    /** {@return the same view of CHIRP's metadata} */
    public static Map<Long, String> chirpNames(FlowReport r) {
        Map<Long, String> out = new TreeMap<>();
        for (Flow f : r.flows()) {
            for (Flow.Observed o : f.metadata()) {
                String[] v = {"", "", "", "", "", "", ""};
                switch (o.data()) {
                    case AppData.Dns d -> {
                        v[0] = String.join(",", d.questions().stream().map(AppData.DnsQuestion::name).toList());
                        v[4] = join(d, 1);
                        v[5] = join(d, 28);
                        v[6] = join(d, 5);
                    }
                    case AppData.HttpRequest h -> {
                        v[1] = h.host().orElse("");
                        v[2] = h.target();
                    }
                    case AppData.TlsClientHello t -> v[3] = t.serverName().orElse("");
                }
                out.put(o.frame(), String.join("|", v));
            }
        }
        return out;
    }

    private static String join(AppData.Dns d, int type) {
        return String.join(",", d.answers().stream().filter(a -> a.type() == type).map(AppData.DnsAnswer::data).toList());
    }
}
