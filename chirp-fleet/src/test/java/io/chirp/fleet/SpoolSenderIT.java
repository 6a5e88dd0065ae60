package io.chirp.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sender against a real broker that is away for much longer than the producer's delivery timeout, while
 * records keep coming for three VMs: batches in flight expire in the outage. Read back as the server reads
 * ({@code read_committed}), every VM's records appear in their order - each record's first appearance comes after
 * every earlier record of its VM - and none is missing. (With the plain idempotent producer of before, an expired
 * batch was re-sent after its VM's later batches had gone through.)
 */
class SpoolSenderIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    @Test void anOutageLongerThanTheDeliveryTimeoutKeepsEveryVmsOrderAndLosesNothing() throws Exception {
        try (TestBroker broker = TestBroker.start(tmp.resolve("broker"))) {
            FleetTopics topics = new FleetTopics(broker.bootstrap(), "sst", 2, (short) 1, new KafkaAuth.None());
            topics.ensure("s1", 60_000);
            List<String> vms = List.of("vm-a", "vm-b", "vm-c");
            Map<String, Long> produced = new TreeMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            try (Spool spool = Spool.open(tmp.resolve("spool"), 256L << 20)) {
                SpoolSender sender = SpoolSender.start(spool, topics, "s1", Duration.ofSeconds(7));
                Thread producer = Thread.ofPlatform().start(() -> {
                    long seq = 0;
                    while (!stop.get()) {
                        seq++;
                        for (String vm : vms) {
                            spool.append(new FleetRecord(FleetRecord.Kind.EVENT, UUID.randomUUID().toString(), "s1", vm, 1, seq,
                                    System.currentTimeMillis(), JSON.createObjectNode().put("n", seq)));
                            synchronized (produced) {
                                produced.put(vm, seq);
                            }
                        }
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                Thread.sleep(4_000);
                broker.kill();
                Thread.sleep(25_000); // well beyond the 7 s delivery timeout: the windows in flight expire
                assertThat(sender.state()).isEqualTo(SpoolSender.State.UNAVAILABLE);
                broker.start();
                Thread.sleep(4_000);
                stop.set(true);
                producer.join();
                long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (spool.pendingRecords() > 0 && System.nanoTime() < end) Thread.sleep(200);
                assertThat(spool.pendingRecords()).as("the spool drained").isZero();
                sender.close();
            }

            Map<String, List<Long>> seen = readCommitted(broker.bootstrap(), topics.events("s1"), 2);
            for (String vm : vms) {
                List<Long> firsts = new ArrayList<>();
                Set<Long> had = new HashSet<>();
                for (long s : seen.getOrDefault(vm, List.of())) if (had.add(s)) firsts.add(s);
                long n = produced.get(vm);
                assertThat(n).isGreaterThan(1_000);
                List<Long> expected = new ArrayList<>();
                for (long s = 1; s <= n; s++) expected.add(s);
                assertThat(firsts).as("%s: first appearances in order, none missing", vm).isEqualTo(expected);
            }
        }
    }

    /** {@return each VM's sequence numbers in the order a read_committed consumer sees them (one VM, one partition)} */
    static Map<String, List<Long>> readCommitted(String bootstrap, String topic, int partitions) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<String, List<Long>> out = new TreeMap<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
            c.assign(tps);
            c.seekToBeginning(tps);
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < Duration.ofSeconds(5).toNanos()) {
                var batch = c.poll(Duration.ofMillis(500));
                if (!batch.isEmpty()) quietSince = System.nanoTime();
                for (ConsumerRecord<String, String> r : batch) {
                    FleetRecord f = FleetRecord.decode(r.value());
                    out.computeIfAbsent(f.vm(), k -> new ArrayList<>()).add(f.seq());
                }
            }
        }
        return out;
    }
}
