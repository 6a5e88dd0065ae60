package io.chirp.fleet;

import io.chirp.core.ChirpException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The fleet's Kafka topics and the client settings every part shares.
 *
 * @param bootstrap   the brokers, {@code host:port[,host:port...]}
 * @param prefix      topic name prefix ({@code chirp}: {@code chirp.events}, {@code chirp.heartbeats})
 * @param partitions  partitions of the events topic (how many server instances can share the consuming)
 * @param replication replicas of each partition (3 on a 3-broker cluster; 1 on one broker)
 * @param auth        how this part proves who it is to the brokers
 */
public record FleetTopics(String bootstrap, String prefix, int partitions, short replication, KafkaAuth auth) {
    public FleetTopics {
        if (bootstrap == null || bootstrap.isBlank()) throw ChirpException.usage("--kafka needs host:port of a broker");
        java.util.Objects.requireNonNull(auth, "auth");
        if (!prefix.matches("[A-Za-z0-9._-]{1,100}")) throw ChirpException.usage("bad topic prefix " + prefix);
        if (partitions < 1 || replication < 1) throw ChirpException.usage("partitions and replication must be positive");
    }

    /** {@return the default topics on {@code bootstrap}: 6 partitions, 1 replica} */
    public static FleetTopics of(String bootstrap) {
        return new FleetTopics(bootstrap, "chirp", 6, (short) 1, new KafkaAuth.None());
    }

    /** {@return these topics, reached with {@code a}} */
    public FleetTopics withAuth(KafkaAuth a) { return new FleetTopics(bootstrap, prefix, partitions, replication, a); }

    /**
     * {@return the topic of one sensor's OCSF events, alerts, VM states and custody records, keyed by sensor and VM}.
     * Each sensor has topics of its own, so the brokers' ACLs can let each sensor's user write only its own, and the
     * server rejects any record whose sensor is not the topic's: a sensor can publish only as itself.
     */
    public String events(String sensor) { return prefix + ".events." + sensor; }

    /** {@return the topic of one sensor's heartbeats (stamped with the broker's clock)} */
    public String heartbeats(String sensor) { return prefix + ".heartbeats." + sensor; }

    /**
     * {@return the topic of commands for one sensor}: only the server's user may write it and only that sensor's user
     * read it (ACLs), and every command is also signed by the server ({@link FleetCommand})
     */
    public String commands(String sensor) { return prefix + ".commands." + sensor; }

    /**
     * {@return the topic of one sensor's artifact transfers}: an artifact goes as chunks of at most
     * {@link Transfer#CHUNK} bytes, keyed by the command's id, never as one giant record
     */
    public String transfers(String sensor) { return prefix + ".transfers." + sensor; }

    /** {@return what the server's transfer consumer subscribes to: every sensor's transfers} */
    public java.util.regex.Pattern allTransfers() {
        return java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(prefix) + "\\.transfers\\.[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    }

    /** {@return what the server subscribes to: every sensor's events and heartbeats} */
    public java.util.regex.Pattern all() {
        return java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(prefix) + "\\.(events|heartbeats)\\.[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    }

    /** {@return the sensor whose topic {@code topic} is, or null if it is none of the fleet's} */
    public String sensorOf(String topic) {
        java.util.regex.Matcher m = all().matcher(topic);
        if (!m.matches() && !allTransfers().matcher(topic).matches()) return null;
        return topic.substring(topic.indexOf('.', prefix.length() + 1) + 1);
    }

    /** {@return the client settings all parts share} */
    public Properties client() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_DNS_LOOKUP_CONFIG, "use_all_dns_ips");
        auth.configure(p);
        return p;
    }

    /**
     * Creates a sensor's topics if they are missing (the sensor's first start); waits up to {@code timeoutMs} for a
     * broker. Events are kept 7 days: a server that is down that long still finds what it missed.
     */
    public void ensure(String sensor, long timeoutMs) {
        Properties p = client();
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMs, 30_000));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
        try (Admin admin = Admin.create(p)) {
            Set<String> have = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
            List<NewTopic> want = new java.util.ArrayList<>();
            Map<String, String> cfg = Map.of("retention.ms", Long.toString(7L * 24 * 3600 * 1000),
                    "min.insync.replicas", replication >= 3 ? "2" : "1");
            if (!have.contains(events(sensor))) want.add(new NewTopic(events(sensor), partitions, replication).configs(cfg));
            if (!have.contains(heartbeats(sensor))) {
                // the broker's clock stamps heartbeats: liveness must not depend on each sensor's clock
                want.add(new NewTopic(heartbeats(sensor), 1, replication).configs(Map.of("retention.ms", "3600000",
                        "message.timestamp.type", "LogAppendTime")));
            }
            // commands are news for minutes (they expire); a transfer's chunks for as long as a server may be away
            if (!have.contains(commands(sensor))) {
                want.add(new NewTopic(commands(sensor), 1, replication).configs(Map.of("retention.ms", "3600000",
                        "min.insync.replicas", replication >= 3 ? "2" : "1")));
            }
            if (!have.contains(transfers(sensor))) {
                want.add(new NewTopic(transfers(sensor), 1, replication).configs(Map.of("retention.ms", Long.toString(24L * 3600 * 1000),
                        "min.insync.replicas", replication >= 3 ? "2" : "1", "max.message.bytes", Integer.toString(2 * Transfer.CHUNK))));
            }
            if (want.isEmpty()) return;
            try {
                admin.createTopics(want).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e; // made meanwhile
            }
        } catch (ExecutionException | TimeoutException e) {
            Throwable c = e instanceof ExecutionException ? e.getCause() : e;
            throw ChirpException.unavailable("Kafka at " + bootstrap + " not reachable to set up topics: " + c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ChirpException.unavailable("interrupted while setting up Kafka topics");
        }
    }
}
