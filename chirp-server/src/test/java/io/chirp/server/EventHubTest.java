package io.chirp.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A slow subscriber never blocks the publisher: it is told what it missed, and dropped when far behind. */
class EventHubTest {
    @Test
    void aFullQueueCountsMissedMessagesWithoutBlocking() throws Exception {
        EventHub hub = new EventHub();
        EventHub.Subscription slow = hub.subscribe(Set.of(EventHub.Topic.event), null, 4);
        EventHub.Subscription alertsOnly = hub.subscribe(Set.of(EventHub.Topic.alert), null, 4);
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) hub.publish(EventHub.Topic.event, "vm1", Map.of("n", i));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        assertThat(slow.takeMissed()).isEqualTo(6);
        assertThat(slow.next(Duration.ZERO).data()).isEqualTo("{\"n\":0}");
        assertThat(alertsOnly.next(Duration.ZERO)).as("topic filter").isNull();
        for (int i = 0; i < EventHub.DROP_AFTER + 10; i++) hub.publish(EventHub.Topic.event, "vm1", Map.of("n", i));
        assertThat(slow.closed()).as("too far behind: dropped").isTrue();
        assertThat(hub.subscribers()).isEqualTo(1);
    }

    @Test
    void aVmFilterKeepsOtherVmsOut() throws Exception {
        EventHub hub = new EventHub();
        EventHub.Subscription one = hub.subscribe(Set.of(EventHub.Topic.values()), "a");
        hub.publish(EventHub.Topic.event, "b", Map.of());
        hub.publish(EventHub.Topic.event, "a", Map.of("x", 1));
        EventHub.Message m = one.next(Duration.ZERO);
        assertThat(m.wire()).startsWith("id: 2\nevent: event\ndata: {\"x\":1}\n\n");
        assertThat(one.next(Duration.ZERO)).isNull();
    }
}
