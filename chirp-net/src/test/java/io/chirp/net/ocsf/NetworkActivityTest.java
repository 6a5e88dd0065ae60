package io.chirp.net.ocsf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.net.flow.Flow;
import io.chirp.net.flow.FlowReport;
import io.chirp.net.flow.Flows;
import io.chirp.net.pcap.CaptureFormat;
import io.chirp.net.testing.Frames;
import io.chirp.net.testing.SyntheticCapture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Every flow of the synthetic capture, as an event, against the OCSF 1.8.0 schema files. */
class NetworkActivityTest {
    static final Path OCSF = Path.of(System.getProperty("chirp.ocsf.schema", "/work/shared/data/ocsf"));
    static OcsfSchema schema;
    static FlowReport flows;
    static final NetworkActivity.Context CTX = new NetworkActivity.Context("lab-vm", Optional.of("6f1c2d4e-0000-4000-8000-000000000001"),
            Optional.of(Frames.macText(SyntheticCapture.GUEST)), "0.1.0");

    @BeforeAll
    static void load(@TempDir Path dir) throws Exception {
        assertThat(OCSF.resolve("dictionary.json")).as("OCSF schema (set -Dchirp.ocsf.schema)").exists();
        schema = new OcsfSchema(OCSF);
        flows = Flows.read(SyntheticCapture.write(dir.resolve("s.pcap"), CaptureFormat.PCAP));
    }

    @Test
    void everyFlowIsAValidNetworkActivityEvent() {
        assertThat(schema.version()).isEqualTo(NetworkActivity.OCSF_VERSION);
        assertThat(NetworkActivity.CLASS_UID).isEqualTo(schema.categoryUid("network") * 1000 + schema.classUid("network_activity"));
        assertThat(flows.flows()).isNotEmpty();
        for (Flow f : flows.flows()) {
            ObjectNode e = NetworkActivity.event(f, CTX);
            assertThat(schema.validate("network_activity", e)).as(e.toPrettyString()).isEmpty();
            assertThat(e.get("type_uid").asLong()).isEqualTo(400100L + e.get("activity_id").asInt());
        }
    }

    @Test
    void theValidatorCatchesMissingAndWrongAttributes() {
        ObjectNode e = NetworkActivity.event(flows.flows().getFirst(), CTX);
        e.remove("time");
        ((ObjectNode) e.get("metadata")).remove("product");
        ((ObjectNode) e.get("connection_info")).put("direction_id", 17);
        e.put("made_up", 1);
        ((ObjectNode) e.get("src_endpoint")).removeAll();
        e.put("class_uid", 4002);
        assertThat(schema.validate("network_activity", e)).contains("time: required, missing", "metadata.product: required, missing",
                "made_up: not an attribute here").anyMatch(p -> p.startsWith("connection_info.direction_id: 17 not in enum"))
                .anyMatch(p -> p.startsWith("src_endpoint.: needs at least one of"))
                .anyMatch(p -> p.startsWith("class_uid: wrong")).anyMatch(p -> p.startsWith("type_uid: must be"));
    }

    @Test
    void contentOfTheTlsFlowEvent() {
        ObjectNode e = NetworkActivity.event(flows.flows().getFirst(), CTX);
        assertThat(e.at("/activity_id").asInt()).isEqualTo(NetworkActivity.Activity.CLOSE.id);
        assertThat(e.at("/src_endpoint/ip").asText()).isEqualTo("10.0.2.15");
        assertThat(e.at("/dst_endpoint/port").asInt()).isEqualTo(443);
        assertThat(e.at("/connection_info/direction").asText()).isEqualTo("Outbound");
        assertThat(e.at("/connection_info/protocol_name").asText()).isEqualTo("tcp");
        assertThat(e.at("/traffic/packets_out").asLong()).isEqualTo(4);
        assertThat(e.at("/traffic/packets_in").asLong()).isEqualTo(3);
        assertThat(e.at("/traffic/bytes_out").asLong() + e.at("/traffic/bytes_in").asLong()).isEqualTo(e.at("/traffic/bytes").asLong());
        assertThat(e.at("/tls/sni").asText()).isEqualTo(SyntheticCapture.SNI);
        assertThat(e.at("/device/name").asText()).isEqualTo("lab-vm");
        assertThat(e.at("/metadata/product/name").asText()).isEqualTo("CHIRP");
        assertThat(NetworkActivity.event(flows.flows().getFirst(), CTX).at("/metadata/uid")).isEqualTo(e.at("/metadata/uid"));
        Flow ssh = flows.flows().getLast();
        assertThat(NetworkActivity.event(ssh, CTX).at("/connection_info/direction").asText()).isEqualTo("Outbound");
        var unknown = new NetworkActivity.Context("lab-vm", Optional.empty(), Optional.empty(), "0.1.0");
        assertThat(NetworkActivity.event(ssh, unknown).at("/connection_info/direction_id").asInt()).isZero();
    }
}
