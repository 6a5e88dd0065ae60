package io.chirp.net.ocsf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.net.decode.Transport;
import io.chirp.net.flow.Endpoint;
import io.chirp.net.flow.Flow;
import io.chirp.net.proto.AppData;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/**
 * A flow as an OCSF 1.8.0 Network Activity event (class 4001, category 4). The client is the source endpoint, so
 * {@code traffic.bytes_out} is what the client sent. Direction is relative to the VM: known when the VM's MAC
 * address is given and one side of the flow has it (outbound when the VM opened the flow), unknown otherwise.
 * The event uid is derived from the flow (protocol, endpoints, first packet time), so the same flow read twice
 * gives the same event.
 */
public final class NetworkActivity {
    public static final String OCSF_VERSION = "1.8.0";
    public static final int CATEGORY_UID = 4;
    public static final int CLASS_UID = 4001;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** OCSF activity ids of this class. */
    public enum Activity {
        OPEN(1, "Open"), CLOSE(2, "Close"), RESET(3, "Reset"), FAIL(4, "Fail"), REFUSE(5, "Refuse"), TRAFFIC(6, "Traffic");

        public final int id;
        public final String caption;

        Activity(int id, String caption) {
            this.id = id;
            this.caption = caption;
        }
    }

    /**
     * Who observed the flow.
     *
     * @param vmName         the VM the capture was taken from (device.name)
     * @param vmUid          its UUID, if known
     * @param vmMac          its NIC's MAC address, to tell inbound from outbound
     * @param productVersion CHIRP's version
     */
    public record Context(String vmName, Optional<String> vmUid, Optional<String> vmMac, String productVersion) {}

    private NetworkActivity() {}

    /** {@return what the flow's TCP flags say happened to the connection (TRAFFIC for other protocols)} */
    public static Activity activity(Flow f) {
        if (f.protocol() != 6) return Activity.TRAFFIC;
        int c = f.toServer().tcpFlags(), s = f.toClient().tcpFlags();
        boolean synAck = (s & Transport.SYN) != 0;
        if ((s & Transport.RST) != 0 && !synAck && (c & Transport.SYN) != 0) return Activity.REFUSE;
        if (((c | s) & Transport.RST) != 0) return Activity.RESET;
        if ((c & Transport.FIN) != 0 && (s & Transport.FIN) != 0) return Activity.CLOSE;
        if ((c & Transport.SYN) != 0 && f.toClient().packets() == 0) return Activity.FAIL;
        return Activity.TRAFFIC;
    }

    /** {@return the event} */
    public static ObjectNode event(Flow f, Context ctx) {
        Activity a = activity(f);
        ObjectNode e = JSON.createObjectNode();
        e.put("activity_id", a.id);
        e.put("activity_name", a.caption);
        e.put("category_uid", CATEGORY_UID);
        e.put("category_name", "Network Activity");
        e.put("class_uid", CLASS_UID);
        e.put("class_name", "Network Activity");
        e.put("type_uid", CLASS_UID * 100L + a.id);
        e.put("type_name", "Network Activity: " + a.caption);
        e.put("severity_id", 1);
        e.put("severity", "Informational");
        e.put("time", f.lastSeen().toEpochMilli());
        e.put("start_time", f.firstSeen().toEpochMilli());
        e.put("end_time", f.lastSeen().toEpochMilli());
        e.put("count", f.packets());
        e.put("is_src_dst_assignment_known", true);
        e.set("metadata", metadata(f, ctx));
        e.set("device", device(ctx));
        e.set("src_endpoint", endpoint(f.client(), f.clientMac()));
        e.set("dst_endpoint", endpoint(f.server(), f.serverMac()));
        e.set("connection_info", connection(f, ctx));
        e.set("traffic", traffic(f));
        f.metadata().stream().map(Flow.Observed::data).filter(AppData.TlsClientHello.class::isInstance)
                .map(AppData.TlsClientHello.class::cast).filter(h -> h.serverName().isPresent()).findFirst()
                .ifPresent(h -> {
                    ObjectNode tls = e.putObject("tls");
                    tls.put("version", tlsVersion(h.legacyVersion()));
                    tls.put("sni", h.serverName().get());
                });
        if (!f.metadata().isEmpty()) {
            ArrayNode seen = e.putObject("unmapped").putArray("chirp_app_metadata");
            f.metadata().forEach(o -> seen.add(o.data().summary()));
        }
        return e;
    }

    private static ObjectNode metadata(Flow f, Context ctx) {
        ObjectNode m = JSON.createObjectNode();
        m.put("version", OCSF_VERSION);
        m.put("uid", uid(f, ctx).toString());
        m.putArray("profiles").add("host");
        ObjectNode p = m.putObject("product");
        p.put("name", "CHIRP");
        p.put("vendor_name", "CHIRP");
        p.put("version", ctx.productVersion());
        m.put("log_name", "network capture");
        return m;
    }

    private static ObjectNode device(Context ctx) {
        ObjectNode d = JSON.createObjectNode();
        d.put("type_id", 6);
        d.put("type", "Virtual");
        d.put("name", ctx.vmName());
        d.put("hostname", ctx.vmName());
        ctx.vmUid().ifPresent(u -> d.put("uid", u));
        ctx.vmMac().ifPresent(mac -> d.put("mac", mac.toLowerCase(java.util.Locale.ROOT)));
        return d;
    }

    private static ObjectNode endpoint(Endpoint ep, Optional<String> mac) {
        ObjectNode n = JSON.createObjectNode();
        n.put("ip", ep.ipText());
        if (ep.port() != 0) n.put("port", ep.port());
        mac.ifPresent(m -> n.put("mac", m));
        return n;
    }

    private static ObjectNode connection(Flow f, Context ctx) {
        ObjectNode c = JSON.createObjectNode();
        c.put("protocol_name", f.protocolName());
        c.put("protocol_num", f.protocol());
        c.put("protocol_ver_id", f.client().ip().getAddress().length == 16 ? 6 : 4);
        int dir = ctx.vmMac().flatMap(f::endpointWithMac).map(ep -> ep.equals(f.client()) ? 2 : 1).orElse(0);
        c.put("direction_id", dir);
        c.put("direction", switch (dir) { case 1 -> "Inbound"; case 2 -> "Outbound"; default -> "Unknown"; });
        if (f.protocol() == 6) c.put("tcp_flags", f.toServer().tcpFlags() | f.toClient().tcpFlags());
        return c;
    }

    private static ObjectNode traffic(Flow f) {
        ObjectNode t = JSON.createObjectNode();
        t.put("bytes_out", f.toServer().bytes());
        t.put("bytes_in", f.toClient().bytes());
        t.put("bytes", f.bytes());
        t.put("packets_out", f.toServer().packets());
        t.put("packets_in", f.toClient().packets());
        t.put("packets", f.packets());
        return t;
    }

    private static String tlsVersion(int v) {
        return switch (v) {
            case 0x0301 -> "1.0";
            case 0x0302 -> "1.1";
            case 0x0303 -> "1.2";
            case 0x0304 -> "1.3";
            default -> String.format("0x%04x", v);
        };
    }

    private static UUID uid(Flow f, Context ctx) {
        String key = ctx.vmName() + "|" + f.protocol() + "|" + f.client() + "|" + f.server() + "|" + f.firstSeen();
        return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8));
    }
}
