package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.core.ChirpHome;
import io.chirp.detect.Detector;
import io.chirp.fleet.CommandKeys;
import io.chirp.fleet.FleetCommand;
import io.chirp.fleet.FleetRecord;
import io.chirp.fleet.SensorCommands;
import io.chirp.fleet.Transfer;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.VmInventory;
import io.chirp.memory.ImageFormat;
import io.chirp.fleet.FleetTopics;
import io.chirp.fleet.ReplaySource;
import io.chirp.fleet.Sensor;
import io.chirp.lab.Lab;
import io.chirp.monitor.EventPipeline;
import io.chirp.monitor.Monitor;
import io.chirp.monitor.MonitorListener;
import io.chirp.monitor.VmWatcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code chirp sensor}: the per-host part of a fleet. Runs the monitor on this host's VMs (Sigma at the sensor) and
 * publishes events, alerts, VM states and heartbeats to Kafka through a bounded on-disk spool, for a
 * {@code chirp serve --kafka} elsewhere. With {@code --replay}, a recorded event stream stands in for VMs.
 */
@Command(name = "sensor", mixinStandardHelpOptions = true,
        description = {"Run this host's sensor: watch its VMs and publish events, alerts, VM states and heartbeats to Kafka.",
                "Records go through a bounded spool on disk, so a broker outage or a restart loses nothing."})
final class SensorCommand implements Callable<Integer> {
    @Option(names = "--kafka", required = true, paramLabel = "BOOTSTRAP", description = "Kafka brokers, host:port[,host:port...]")
    String kafka;
    @Option(names = "--id", paramLabel = "ID", description = "this sensor's id in the fleet (default: the host name)") String id;
    @Option(names = "--vm", paramLabel = "NAME", description = "VMs to watch (repeatable; default: every QEMU VM, new ones too)")
    List<String> vms = new ArrayList<>();
    @Option(names = "--interval", defaultValue = "1s", description = "poll interval (default ${DEFAULT-VALUE})") String interval;
    @Option(names = "--trace", description = "also trace exec/exit/module load/connect with hypervisor breakpoints") boolean trace;
    @Option(names = "--integrity-every", defaultValue = "5", description = "run integrity checks every N polls (0: never)")
    int integrityEvery;
    @Option(names = "--rules", paramLabel = "DIR", description = "more Sigma rules, added to CHIRP's shipped ones") Path rules;
    @Option(names = "--no-shipped-rules", description = "use only the rules from --rules") boolean noShipped;
    /** Where Sigma runs. */
    enum Sigma { sensor, central }
    @Option(names = "--sigma", defaultValue = "sensor", paramLabel = "WHERE",
            description = "where the Sigma rules run: sensor (here, alerts published with the events) or central (a chirp"
                    + " serve --sigma-central consumer group evaluates the events; default ${DEFAULT-VALUE})")
    Sigma sigma;
    @Option(names = "--spool", paramLabel = "DIR", description = "the spool folder (default: CHIRP_HOME/sensor/ID/spool)") Path spool;
    @Option(names = "--spool-max", defaultValue = "256M", paramLabel = "SIZE",
            description = "most bytes kept unsent while the broker is away; beyond it records are dropped and reported (default ${DEFAULT-VALUE})")
    String spoolMax;
    @Option(names = "--heartbeat", defaultValue = "1s", paramLabel = "TIME", description = "time between heartbeats (default ${DEFAULT-VALUE})")
    String heartbeat;
    @Option(names = "--kafka-topic-prefix", defaultValue = "chirp", paramLabel = "PREFIX", description = "fleet topic prefix (default ${DEFAULT-VALUE})")
    String topicPrefix;
    @Option(names = "--partitions", defaultValue = "6", paramLabel = "N", description = "partitions of the events topic if this sensor creates it (default ${DEFAULT-VALUE})")
    int partitions;
    @Option(names = "--replication", defaultValue = "1", paramLabel = "N", description = "replicas per partition if this sensor creates the topics (default ${DEFAULT-VALUE})")
    short replication;
    @Option(names = "--transfer-rate", defaultValue = "0", paramLabel = "SIZE",
            description = "send artifacts to the server at most SIZE bytes per second, e.g. 50M (default ${DEFAULT-VALUE}: unpaced)")
    String transferRate;
    @Option(names = "--replay", paramLabel = "FILE",
            description = "instead of watching VMs, replay this recorded OCSF stream (chirp monitor --sink jsonl:FILE) as the --replay-vm VMs")
    Path replay;
    @Option(names = "--replay-vm", paramLabel = "NAME", description = "a VM name the replay stands in for (repeatable)")
    List<String> replayVms = new ArrayList<>();
    @Option(names = "--replay-rate", defaultValue = "10", paramLabel = "N", description = "replayed events per second per VM (default ${DEFAULT-VALUE})")
    double replayRate;
    @Option(names = "--replay-count", defaultValue = "0", paramLabel = "N", description = "events per VM, then stop replaying (default 0: forever)")
    long replayCount;
    @Option(names = "--ledger", paramLabel = "FILE", description = "list every record kept in the spool in this file (for fault tests and benchmarks)")
    Path ledger;
    @Option(names = "--duration", paramLabel = "TIME", description = "stop after this long (default: until Ctrl-C)") String duration;
    @Option(names = "--server-key", paramLabel = "FILE",
            description = "take on-demand commands (memory acquisitions) signed by the server whose public key is in this file"
                    + " (the server's CHIRP_HOME/server/" + io.chirp.fleet.CommandKeys.PUBLIC + "); without it the sensor runs no commands")
    Path serverKey;
    @picocli.CommandLine.Mixin KafkaAuthOptions kafkaAuth = new KafkaAuthOptions();
    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (integrityEvery < 0) throw ChirpException.usage("--integrity-every must be 0 (never) or more, not " + integrityEvery);
        if (replay == null && !replayVms.isEmpty()) throw ChirpException.usage("--replay-vm needs --replay");
        if (replay != null && !vms.isEmpty()) throw ChirpException.usage("--replay stands in for VMs: give --replay-vm, not --vm");
        long rate = bytesPerSecond(transferRate);
        String sensorId = id != null ? id : hostId();
        if (!FleetRecord.validSensorId(sensorId)) throw ChirpException.usage("--id: letters, digits, '.', '_', '-' (at most 64), not " + sensorId);
        FleetTopics topics = new FleetTopics(kafka, topicPrefix, partitions, replication, kafkaAuth.auth());
        Path dir = spool != null ? spool : ChirpHome.resolve("sensor").resolve(sensorId).resolve("spool");
        Detector detector = sigma == Sigma.central ? Detector.of(List.of()) : MonitorCommand.detector(noShipped, rules, err);
        Sensor sensor = Sensor.start(new Sensor.Options(sensorId, topics, dir, Lab.parseSize(spoolMax), Durations.parse(heartbeat), ledger));
        EventPipeline pipeline = new EventPipeline(List.of(), detector, a -> {
            synchronized (err) {
                err.printf("ALERT [%s] %s: %s (rule %s)%n", a.detection().level().name().toLowerCase(), a.vm().name(),
                        Table.escape(a.detection().title()), a.detection().ruleId());
                err.flush();
            }
        }, sensor.observer());
        MonitorListener listener = sensor.listener(pipeline);
        Monitor monitor = null;
        ReplaySource source = null;
        if (replay != null) {
            replayVms.forEach(sensor::watching);
            source = new ReplaySource(sensorId, replay, replayVms, replayRate, replayCount, pipeline, listener);
            Thread.ofPlatform().name("chirp-replay").start(source);
        } else {
            vms.forEach(sensor::watching);
            monitor = Monitor.start(vms, new VmWatcher.Options(Durations.parse(interval), trace, integrityEvery), listener);
        }
        SensorCommands commands = serverKey == null ? null : SensorCommands.start(sensor, CommandKeys.readPublic(serverKey),
                ChirpHome.resolve("sensor").resolve(sensorId).resolve("jobs"), this::execute,
                rate);
        CountDownLatch done = new CountDownLatch(1);
        Monitor m = monitor;
        ReplaySource r = source;
        Thread hook = new Thread(() -> {
            if (r != null) r.stop();
            if (commands != null) commands.close();
            if (m != null) m.close();
            sensor.close(); // sends what it can for a few seconds; the rest waits in the spool for the next start
            done.countDown();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        err.printf("sensor %s (epoch %d): %s -> Kafka at %s, spool %s (at most %s); Ctrl-C to stop%n", sensorId,
                sensor.spool().epoch(), replay != null ? "replaying " + replay + " as " + String.join(", ", replayVms)
                        : vms.isEmpty() ? "all VMs" : String.join(", ", vms), kafka, dir, spoolMax);
        err.flush();
        if (duration == null) {
            // until Ctrl-C or SIGTERM: the hook stops everything; a finished replay keeps heartbeating and draining
            done.await();
            return 0;
        }
        Thread.sleep(Durations.parse(duration));
        Runtime.getRuntime().removeShutdownHook(hook);
        hook.run();
        err.printf("stopped: %d records kept, %d sent, %d pending in the spool, %d dropped by a full spool%n",
                sensor.produced(), sensor.sender().sent(), sensor.spool().pendingRecords(), sensor.refused());
        err.flush();
        return sensor.refused() > 0 ? ExitCode.PARTIAL.code() : 0;
    }

    /** Runs a server's command on this host: acquires a watched VM's memory into the job's folder. */
    private Path execute(FleetCommand c, Path folder, Transfer.Progress progress) {
        if (replay != null) throw ChirpException.unavailable("VM " + c.vm() + " is a replayed stand-in: it has no memory to acquire");
        if (!vms.isEmpty() && !vms.contains(c.vm())) throw ChirpException.notFound("this sensor does not watch VM " + c.vm());
        VmAcquisition.Mode mode = VmAcquisition.Mode.valueOf(c.parameters().getOrDefault("mode", "live").toUpperCase(java.util.Locale.ROOT));
        String format = c.parameters().getOrDefault("format", "elf");
        if (!format.equals("elf") && !format.equals("lime")) throw ChirpException.usage("image format " + format);
        Path image = folder.resolve(c.vm() + "." + format);
        try (LiveVm live = LiveVm.attach(new VmInventory().find(c.vm()))) {
            VmAcquisition.acquire(live, image, format.equals("elf") ? ImageFormat.ELF_CORE : ImageFormat.LIME, mode, progress::sent);
        }
        return image;
    }

    /** {@return N, NK, NM or NG (optionally ending in B or /s) as bytes per second} */
    static long bytesPerSecond(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})([KMG]?)(I?B)?(/S)?").matcher(s.strip().toUpperCase(java.util.Locale.ROOT));
        if (!m.matches()) throw ChirpException.usage("--transfer-rate: a size per second such as 50M, not " + s);
        int shift = switch (m.group(2)) { case "K" -> 10; case "M" -> 20; case "G" -> 30; default -> 0; };
        return Long.parseLong(m.group(1)) << shift;
    }

    private static String hostId() {
        try {
            String h = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
            return h.isEmpty() ? "sensor" : h.substring(0, Math.min(64, h.length()));
        } catch (java.io.IOException e) {
            return "sensor";
        }
    }
}
