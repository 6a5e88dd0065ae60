package io.chirp.fleet;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FleetRecordTest {
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test void encodesAndDecodesEveryField() {
        FleetRecord r = new FleetRecord(FleetRecord.Kind.ALERT, "id-1", "hv-1", "vm\u001b[31m", 3, 42, 1000,
                F.objectNode().put("x", "y\nz"));
        String line = r.encode();
        assertThat(line).doesNotContain("\n");
        assertThat(FleetRecord.decode(line)).isEqualTo(r);
        assertThat(r.key()).isEqualTo("hv-1/vm\u001b[31m");
        assertThat(new FleetRecord(FleetRecord.Kind.HEARTBEAT, "h", "hv-1", null, 1, 0, 0, F.objectNode()).key()).isEqualTo("hv-1");
    }

    @Test void badRecordsFromTheNetworkAreCorruptNotCrashes() {
        for (String bad : new String[] {"", "[]", "{}", "null", "{\"kind\":\"event\",\"id\":\"a\",\"sensor\":\"s\",\"epoch\":1,\"seq\":1,\"time\":1}",
                "{\"kind\":\"nope\",\"id\":\"a\",\"sensor\":\"s\",\"epoch\":1,\"seq\":1,\"time\":1,\"body\":{}}",
                "{\"kind\":\"event\",\"id\":\"a\",\"sensor\":\"../x\",\"epoch\":1,\"seq\":1,\"time\":1,\"body\":{}}",
                "{\"kind\":\"event\",\"id\":\"a\",\"sensor\":\"s\",\"epoch\":1,\"seq\":-1,\"time\":1,\"body\":{}}",
                "{\"kind\":\"event\",\"id\":7,\"sensor\":\"s\",\"epoch\":1,\"seq\":1,\"time\":1,\"body\":{}}",
                "{\"kind\":\"event\",\"id\":\"a\",\"sensor\":\"s\",\"epoch\":\"x\",\"seq\":1,\"time\":1,\"body\":{}}",
                "x".repeat(FleetRecord.MAX_BYTES + 1)}) {
            assertThatThrownBy(() -> FleetRecord.decode(bad)).as(bad.length() > 80 ? "huge" : bad).isInstanceOf(ChirpException.class)
                    .extracting(e -> ((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.CORRUPT);
        }
        assertThat(FleetRecord.validSensorId("hv-01.dc2")).isTrue();
        assertThat(FleetRecord.validSensorId("a/b")).isFalse();
        assertThat(FleetRecord.validSensorId("x".repeat(65))).isFalse();
    }

    @Test void aHostWithoutHeartbeatsIsLostAndItsVmsUnknown() {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T10:00:00Z"));
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId z) { return this; }
            @Override public Instant instant() { return now.get(); }
        };
        FleetView view = new FleetView(Duration.ofSeconds(5), clock);
        var body = F.objectNode().put("version", "0.1.0").put("epoch", 2);
        body.putArray("vms").addObject().put("name", "web-1").put("state", "running");
        view.heartbeat(new FleetRecord(FleetRecord.Kind.HEARTBEAT, "h1", "hv-1", null, 2, 0, 0, body), now.get());
        view.vmState(new FleetRecord(FleetRecord.Kind.VM_STATE, "s1", "hv-1", "db-1", 2, 1, 0,
                F.objectNode().put("state", "paused")));
        assertThat(view.hosts()).singleElement().satisfies(h -> {
            assertThat(h.status()).isEqualTo(FleetView.Status.LIVE);
            assertThat(h.vms()).extracting(FleetView.Vm::name, FleetView.Vm::state)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("db-1", "paused"), org.assertj.core.groups.Tuple.tuple("web-1", "running"));
        });
        now.set(now.get().plusSeconds(6));
        assertThat(view.hosts()).singleElement().satisfies(h -> {
            assertThat(h.status()).isEqualTo(FleetView.Status.LOST);
            assertThat(h.secondsSinceHeartbeat()).isEqualTo(6);
            assertThat(h.vms()).allSatisfy(v -> assertThat(v.state()).isEqualTo("unknown"));
            assertThat(h.vms()).extracting(FleetView.Vm::lastReportedState).containsExactly("paused", "running");
        });
        // a heartbeat read late (a server catching up) counts from when the broker stamped it, not from now
        view.heartbeat(new FleetRecord(FleetRecord.Kind.HEARTBEAT, "h2", "hv-1", null, 2, 0, 0, body), now.get().minusSeconds(5));
        assertThat(view.hosts()).singleElement().extracting(FleetView.Host::status).isEqualTo(FleetView.Status.LIVE);
        now.set(now.get().plusSeconds(1));
        assertThat(view.hosts()).singleElement().extracting(FleetView.Host::status).isEqualTo(FleetView.Status.LOST);
    }
}
