package io.chirp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.detect.Detector;
import io.chirp.detect.RuleOutcome;
import io.chirp.detect.SigmaEvent;
import io.chirp.detect.ocsf.OcsfPipeline;
import io.chirp.events.OcsfEvent;
import io.chirp.events.build.EventContext;
import io.chirp.events.build.ParentInfo;
import io.chirp.events.build.ProcessActivity;
import io.chirp.events.build.ProcessInfo;
import io.chirp.events.build.UserInfo;
import io.chirp.events.build.VmIdentity;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Events per second on one core through detection, on the events of a recorded lab monitor run
 * ({@link BenchData#labMonitorRun}), with {@link BenchRules 100 or 1,000 rules}:
 * <ul>
 * <li>{@code detect}: the compiled rule set ({@code Detector.outcomes}) on the run's events, already mapped to
 *     Sigma fields;</li>
 * <li>{@code detectOneByOne}: the rule-by-rule evaluator on the same events (the previous engine);</li>
 * <li>{@code buildMapDetect}: the monitor's hot path for a process launch of the run: build the OCSF event, map it
 *     to Sigma fields, run the compiled set (the previous report's figure measured this path);</li>
 * <li>{@code buildOnly}: the baseline, building the same OCSF event alone.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DetectionBenchmark {
    @Param({"100", "1000"})
    public int rules;

    Detector detector;
    EventContext ctx;
    SigmaEvent[] events;
    ProcessInfo[] launches;
    int i;

    @Setup
    public void setup() {
        detector = Detector.of(BenchRules.rules(rules));
        if (detector.rules().size() != rules) throw new IllegalStateException("built " + detector.rules().size() + " rules, not " + rules);
        ctx = EventContext.of(new VmIdentity("host", "vm", null, "QEMU"));
        List<JsonNode> run = BenchData.labMonitorRun();
        List<SigmaEvent> sigma = new ArrayList<>();
        List<ProcessInfo> procs = new ArrayList<>();
        for (JsonNode e : run) {
            OcsfPipeline.standard().map(e).ifPresent(sigma::add);
            if (e.path("class_uid").asInt() == OcsfPipeline.PROCESS_ACTIVITY && e.path("activity_id").asInt() == 1) {
                procs.add(process(e.path("process")));
            }
        }
        events = sigma.toArray(SigmaEvent[]::new);
        launches = procs.toArray(ProcessInfo[]::new);
        if (events.length == 0 || launches.length == 0) throw new IllegalStateException("the recorded run has no events");
    }

    /** The compiled rule set on one event of the run. */
    @Benchmark
    public List<RuleOutcome> detect() { return detector.outcomes(events[next(events.length)]); }

    /** The rule-by-rule evaluator on one event of the run. */
    @Benchmark
    public List<RuleOutcome> detectOneByOne() { return detector.outcomesOneByOne(events[next(events.length)]); }

    /** Build the OCSF event of a launch of the run, map it to Sigma, run the compiled set. */
    @Benchmark
    public int buildMapDetect() {
        OcsfEvent e = ProcessActivity.launch(ctx, launches[next(launches.length)]).build();
        return OcsfPipeline.standard().map(e.json()).map(s -> detector.outcomes(s).size()).orElse(-1);
    }

    /** Baseline: building the OCSF event only. */
    @Benchmark
    public OcsfEvent buildOnly() { return ProcessActivity.launch(ctx, launches[next(launches.length)]).build(); }

    /**
     * {@return events per second of CPU time of this thread for each operation, by benchmark name}: the same
     * operations measured by thread CPU time instead of wall time, so that other processes competing for the cores
     * do not count (the machine these reports come from is shared). The operations are interleaved in rounds so
     * that cache and frequency drift affect them alike; each gets {@code rounds} slices of about 0.2 CPU seconds.
     */
    static java.util.Map<String, Double> cpuRates(int rules, int rounds) {
        DetectionBenchmark b = new DetectionBenchmark();
        b.rules = rules;
        b.setup();
        java.util.Map<String, Runnable> ops = new java.util.LinkedHashMap<>();
        ops.put("detect", b::detect);
        ops.put("detectOneByOne", b::detectOneByOne);
        ops.put("buildMapDetect", b::buildMapDetect);
        ops.put("buildOnly", b::buildOnly);
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<String, long[]> acc = new java.util.LinkedHashMap<>();   // [operations, cpu nanos]
        for (int round = -2; round < rounds; round++) {                        // two rounds of warm-up
            for (java.util.Map.Entry<String, Runnable> op : ops.entrySet()) {
                long ops0 = 0, t0 = mx.getCurrentThreadCpuTime(), t = t0;
                while (t - t0 < 200_000_000L) {
                    for (int k = 0; k < 64; k++) op.getValue().run();
                    ops0 += 64;
                    t = mx.getCurrentThreadCpuTime();
                }
                if (round < 0) continue;
                long[] a = acc.computeIfAbsent(op.getKey(), x -> new long[2]);
                a[0] += ops0;
                a[1] += t - t0;
            }
        }
        java.util.Map<String, Double> out = new java.util.LinkedHashMap<>();
        acc.forEach((k, a) -> out.put(k, a[0] / (a[1] / 1e9)));
        return out;
    }

    /**
     * Prints {@link #cpuRates} for each rule count given ({@code 100 1000} by default), one line per operation:
     * run with another chirp-detect jar first on the class path to measure another engine with the same benchmark
     * (the report's before/after table: the previous commit's jar and this one, alternating, in one session).
     */
    public static void main(String[] args) {
        for (String n : args.length == 0 ? new String[] {"100", "1000"} : args) {
            cpuRates(Integer.parseInt(n), 10).forEach((op, rate) -> System.out.printf(java.util.Locale.ROOT,
                    "rules=%s %s %.0f%n", n, op, rate));
        }
    }

    private int next(int n) {
        int k = i++;
        if (i >= n) i = 0;
        return k % n;
    }

    private static ProcessInfo process(JsonNode p) {
        ProcessInfo info = ProcessInfo.of(p.path("pid").asInt(), p.path("name").asText(""));
        if (p.hasNonNull("cmd_line")) info = info.withCmdLine(p.get("cmd_line").asText());
        if (p.hasNonNull("file") && p.get("file").hasNonNull("path")) info = info.withPath(p.get("file").get("path").asText());
        JsonNode u = p.path("user");
        if (u.hasNonNull("uid")) info = info.withUser(UserInfo.linux(u.path("uid").asInt(), u.path("name").asText(null)));
        JsonNode parent = p.path("parent_process");
        if (parent.hasNonNull("pid")) {
            info = info.withParent(new ParentInfo(parent.path("pid").asInt(), parent.path("name").asText(null),
                    parent.path("cmd_line").asText(null)));
        }
        return info;
    }
}
