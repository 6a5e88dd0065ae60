package io.chirp.bench;

import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import io.chirp.monitor.Change;
import io.chirp.monitor.Monitor;
import io.chirp.monitor.MonitorListener;
import io.chirp.monitor.VmWatcher;
import io.chirp.monitor.trace.TraceEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A soak of {@code monitor}: one in-process {@link Monitor} (as {@code chirp monitor} runs it) watches several lab
 * guests at a 1 s interval for a given time while each guest starts a {@code sleep 3} every 2 s and logs its pid.
 * Every 15 s the JVM's RSS, thread count and event count are sampled. At the end each guest's pid log is the ground
 * truth: a started {@code sleep} the monitor never reported is lost, one it reported twice is duplicated.
 */
final class SoakBench {
    /** One sample of the monitoring JVM. */
    record Sample(long seconds, long rssKiB, long threads, long events) {}

    /** What one guest did and what the monitor saw of it. */
    record PerVm(String vm, int spawned, int seen, int lost, int duplicated) {}

    record Result(int guests, Duration planned, Duration ran, List<Sample> samples, List<PerVm> vms, long events,
                  List<String> states) {}

    private static final Duration SAMPLE = Duration.ofSeconds(15);
    private static final Duration SHELL = Duration.ofSeconds(180);

    private SoakBench() {}

    static Result run(int guests, Duration planned) throws Exception {
        List<LabGuest> gs = new ArrayList<>();
        try {
            // one after the other: GuestImageBuilder locks its cache with a file lock, which one JVM cannot take twice
            for (int i = 0; i < guests; i++) {
                gs.add(Lab.fromEnvironment().boot(Lab.Options.defaults().withScenario(Scenario.standard())
                        .withMemory(Lab.parseSize("256M"))));
            }
            Map<String, Map<Integer, AtomicInteger>> started = new ConcurrentHashMap<>();
            AtomicLong events = new AtomicLong();
            List<String> states = java.util.Collections.synchronizedList(new ArrayList<>());
            Set<String> attached = ConcurrentHashMap.newKeySet();
            MonitorListener l = new MonitorListener() {
                @Override public void onChange(VmRef ref, Change c) {
                    events.incrementAndGet();
                    switch (c) {
                        case Change.ProcessStarted p when p.process().comm().equals("sleep") -> started
                                .computeIfAbsent(ref.name(), k -> new ConcurrentHashMap<>())
                                .computeIfAbsent(p.process().pid(), k -> new AtomicInteger()).incrementAndGet();
                        case Change.VmState s -> {
                            states.add(ref.name() + ": " + s.state() + (s.detail().isEmpty() ? "" : " (" + s.detail() + ")"));
                            if (s.state().equals("attached")) attached.add(ref.name());
                        }
                        default -> { }
                    }
                }
                @Override public void onTrace(VmRef ref, TraceEvent e) { events.incrementAndGet(); }
            };
            List<String> names = gs.stream().map(LabGuest::name).toList();
            List<Sample> samples = new ArrayList<>();
            long t0;
            try (Monitor m = Monitor.start(names, new VmWatcher.Options(Duration.ofSeconds(1), false, 10), l)) {
                long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                while (attached.size() < names.size() && System.nanoTime() < deadline) Thread.sleep(200);
                if (attached.size() < names.size()) throw new IllegalStateException("not all guests attached: " + states);
                // the load starts once every watcher has its first snapshot, so every spawn is one it can see
                for (LabGuest g : gs) {
                    g.shell("rm -f /tmp/soak.pids; (while true; do sleep 3 & echo $! >> /tmp/soak.pids; sleep 2; done)"
                            + " >/dev/null 2>&1 & echo $! > /tmp/soak.loop", SHELL);
                }
                t0 = System.nanoTime();
                samples.add(sample(0, events.get()));
                long end = t0 + planned.toNanos();
                while (System.nanoTime() < end) {
                    Thread.sleep(Math.min(SAMPLE.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                    samples.add(sample((System.nanoTime() - t0) / 1_000_000_000, events.get()));
                }
                for (LabGuest g : gs) g.shell("kill $(cat /tmp/soak.loop)", SHELL);
                Thread.sleep(6000); // the last sleeps (3 s each) are seen by a poll or two more
            }
            Duration ran = Duration.ofNanos(System.nanoTime() - t0);
            List<PerVm> vms = new ArrayList<>();
            for (LabGuest g : gs) {
                Set<Integer> truth = new HashSet<>();
                for (String line : g.shell("cat /tmp/soak.pids", SHELL).split("\\s+")) {
                    if (line.matches("\\d+")) truth.add(Integer.parseInt(line));
                }
                Map<Integer, AtomicInteger> seen = started.getOrDefault(g.name(), Map.of());
                int hit = 0, dup = 0;
                for (int pid : truth) {
                    AtomicInteger n = seen.get(pid);
                    if (n != null) hit++;
                    if (n != null && n.get() > 1) dup++;
                }
                vms.add(new PerVm(g.name(), truth.size(), hit, truth.size() - hit, dup));
            }
            return new Result(guests, planned, ran, samples, vms, events.get(), List.copyOf(states));
        } finally {
            for (LabGuest g : gs) g.close();
        }
    }

    private static Sample sample(long seconds, long events) throws IOException {
        long rss = 0, threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("\\D", ""));
            if (line.startsWith("Threads:")) threads = Long.parseLong(line.replaceAll("\\D", ""));
        }
        return new Sample(seconds, rss, threads, events);
    }
}
