package io.chirp.fleet;

import io.chirp.detect.Detector;
import io.chirp.events.store.EventStore;
import io.chirp.monitor.EventPipeline;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fleet through a broker that takes only SASL/SCRAM-SHA-512 clients, with ACLs: the sensor's user may only
 * write the fleet's topics, the server's user only read them. A sensor with the wrong password gets nothing in
 * (and says the broker is unavailable, spooling), and the sensor's credentials cannot read what others sent.
 */
class FleetSecurityIT {
    @TempDir Path tmp;

    @Test void onlyAuthenticatedAuthorizedPartsGetThrough() throws Exception {
        Map<String, String> users = Map.of("admin", "admin-secret-1", "hv-1", "sensor \"quoted\" \\ pw", "chirp-serve", "server-pw-2");
        try (TestBroker broker = TestBroker.startScram(tmp.resolve("broker"), users)) {
            FleetTopics admin = new FleetTopics(broker.bootstrap(), "sec", 2, (short) 1, new KafkaAuth.Scram("admin", users.get("admin")));
            admin.ensure("hv-1", 30_000);
            admin.ensure("hv-9", 30_000);
            try (Admin a = Admin.create(broker.adminConfig())) {
                List<AclBinding> acls = new ArrayList<>();
                for (AclOperation op : List.of(AclOperation.WRITE, AclOperation.DESCRIBE)) {
                    for (String topic : List.of(admin.events("hv-1"), admin.heartbeats("hv-1"))) {
                        acls.add(new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                                new AccessControlEntry("User:hv-1", "*", op, AclPermissionType.ALLOW)));
                    }
                    // the sender's transactions (one window, one transaction) under the sensor's own transactional id
                    acls.add(new AclBinding(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, SpoolSender.transactionalId("hv-1"),
                            PatternType.LITERAL), new AccessControlEntry("User:hv-1", "*", op, AclPermissionType.ALLOW)));
                }
                for (AclOperation op : List.of(AclOperation.READ, AclOperation.DESCRIBE)) {
                    acls.add(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "sec.", PatternType.PREFIXED),
                            new AccessControlEntry("User:chirp-serve", "*", op, AclPermissionType.ALLOW)));
                }
                acls.add(new AclBinding(new ResourcePattern(ResourceType.GROUP, "sec-server", PatternType.LITERAL),
                        new AccessControlEntry("User:chirp-serve", "*", AclOperation.READ, AclPermissionType.ALLOW)));
                a.createAcls(acls).all().get(30, TimeUnit.SECONDS);
            }
            FleetTopics asSensor = admin.withAuth(new KafkaAuth.Scram("hv-1", users.get("hv-1")));
            FleetTopics asServer = admin.withAuth(new KafkaAuth.Scram("chirp-serve", users.get("chirp-serve")));
            FleetTopics impostor = admin.withAuth(new KafkaAuth.Scram("hv-1", "wrong"));
            Path recording = Recordings.write(tmp.resolve("rec.jsonl"));
            Path db = tmp.resolve("events.db");
            Path ledger = tmp.resolve("hv-1.ledger");
            FleetView view = new FleetView(Duration.ofSeconds(5), Clock.systemUTC());
            try (EventStore store = EventStore.open(db);
                 FleetIngest ingest = FleetIngest.start(asServer, "sec-server", store, view, (r, e) -> { })) {
                Sensor good = Sensor.start(new Sensor.Options("hv-1", asSensor, tmp.resolve("s1"), 8L << 20, Duration.ofMillis(500), ledger));
                Sensor bad = Sensor.start(new Sensor.Options("hv-9", impostor, tmp.resolve("s9"), 8L << 20, Duration.ofMillis(500),
                        tmp.resolve("hv-9.ledger")));
                for (Sensor s : List.of(good, bad)) {
                    EventPipeline p = new EventPipeline(List.of(), Detector.shipped(), x -> { }, s.observer());
                    String id = s == good ? "hv-1" : "hv-9";
                    new ReplaySource(id, recording, List.of(id + "-vm"), 100, 100, p, s.listener(p)).run();
                }
                Map<String, List<String>> produced = FleetCheck.produced(List.of(ledger));
                FleetCheck.awaitStored(db, produced, 60_000);
                long end = System.currentTimeMillis() + 20_000;
                while (bad.sender().state() != SpoolSender.State.UNAVAILABLE && System.currentTimeMillis() < end) Thread.sleep(200);
                assertThat(bad.sender().state()).isEqualTo(SpoolSender.State.UNAVAILABLE);
                assertThat(bad.sender().problem()).containsIgnoringCase("authentication");
                assertThat(bad.spool().pendingRecords()).as("kept for when the right password is given").isPositive();
                // hv-1's user may not write hv-9's topic, and a record it writes to its own naming hv-9 is rejected
                Properties pp = asSensor.client();
                pp.put(org.apache.kafka.clients.producer.ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                pp.put(org.apache.kafka.clients.producer.ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                pp.put(org.apache.kafka.clients.producer.ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
                FleetRecord forged = new FleetRecord(FleetRecord.Kind.EVENT, "forged-1", "hv-9", "hv-9-vm", 1, 1, 0,
                        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());
                try (KafkaProducer<String, String> p = new KafkaProducer<>(pp)) {
                    assertThatThrownBy(() -> p.send(new ProducerRecord<>(admin.events("hv-9"), forged.key(), forged.encode())).get(20, TimeUnit.SECONDS))
                            .hasCauseInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class);
                    p.send(new ProducerRecord<>(admin.events("hv-1"), forged.key(), forged.encode())).get(20, TimeUnit.SECONDS);
                    // only the server's user writes commands: a sensor cannot command itself or another
                    assertThatThrownBy(() -> p.send(new ProducerRecord<>(admin.commands("hv-1"), "x", "{}")).get(20, TimeUnit.SECONDS))
                            .hasCauseInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class);
                }
                long until = System.currentTimeMillis() + 20_000;
                while (ingest.counters().get("fleet_rejected") < 1 && System.currentTimeMillis() < until) Thread.sleep(200);
                assertThat(ingest.counters().get("fleet_rejected")).as("the forged record is rejected").isEqualTo(1);
                Map<String, List<String>> stored = FleetCheck.stored(db);
                FleetCheck.assertExactlyOnceInOrder(produced, stored);
                assertThat(stored).doesNotContainKey("hv-9-vm");
                assertThat(view.hosts()).extracting(FleetView.Host::sensor).containsExactly("hv-1");
                good.close();
                bad.close();
            }
            // the sensor's user may not read the fleet's topics
            Properties c = asSensor.client();
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "sec-server");
            c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            try (KafkaConsumer<String, String> spy = new KafkaConsumer<>(c)) {
                spy.subscribe(List.of(admin.events("hv-1")));
                assertThatThrownBy(() -> {
                    for (int i = 0; i < 50; i++) spy.poll(Duration.ofMillis(200));
                }).isInstanceOf(org.apache.kafka.common.errors.AuthorizationException.class);
            }
            assertThat(Files.readString(tmp.resolve("broker").resolve("server.properties"))).doesNotContain("server-pw-2");
        }
    }
}
