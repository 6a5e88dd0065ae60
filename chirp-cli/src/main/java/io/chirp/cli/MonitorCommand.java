package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.detect.Detector;
import io.chirp.detect.RuleProblem;
import io.chirp.events.sink.EventSink;
import io.chirp.monitor.EventPipeline;
import io.chirp.monitor.Monitor;
import io.chirp.monitor.VmWatcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code chirp monitor}: watch VMs live, record OCSF events, raise Sigma alerts. */
@Command(name = "monitor", mixinStandardHelpOptions = true, description = "Watch VMs continuously: OCSF events to sinks, Sigma alerts on stderr.")
final class MonitorCommand implements Callable<Integer> {
    @Option(names = "--vm", paramLabel = "NAME", description = "VMs to watch (repeatable; default: every QEMU VM, new ones too)")
    List<String> vms = new ArrayList<>();
    @Option(names = "--connect", paramLabel = "URI", description = "the libvirt daemon of --vm names (e.g. qemu:///system)")
    String connect;
    @Option(names = "--rules", paramLabel = "DIR", description = "more Sigma rules, added to CHIRP's shipped ones")
    Path rules;
    @Option(names = "--no-shipped-rules", description = "use only the rules from --rules") boolean noShipped;
    @Option(names = "--interval", defaultValue = "1s", description = "poll interval, e.g. 500ms, 1s, 1m (default: ${DEFAULT-VALUE})")
    String interval;
    @Option(names = "--trace", description = "also trace exec/exit/module load/connect with hypervisor breakpoints")
    boolean trace;
    @Option(names = "--capture", arity = "0..1", fallbackValue = "1ms", paramLabel = "TICK",
            description = "memory-only capture of short-lived processes: look at the task list and the kernel's fork"
                    + " counter every TICK (default 1ms), recover exited ones from freed task_structs, report those lost")
    String capture;
    @Option(names = "--files", description = "also report file activity (OCSF File System Activity): files created,"
            + " changed, renamed and deleted, from the guest's inode caches diffed at every poll")
    boolean files;
    @Option(names = "--integrity-every", defaultValue = "5", description = "run integrity checks every N polls (0: never)")
    int integrityEvery;
    @Option(names = "--sink", description = "store (default), store:PATH, jsonl:FILE or stdout; repeatable")
    List<String> sinks = new ArrayList<>();
    @Option(names = "--duration", description = "stop after this long (default: until Ctrl-C)") String duration;
    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        if (integrityEvery < 0) throw ChirpException.usage("--integrity-every must be 0 (never) or more, not " + integrityEvery);
        PrintWriter err = spec.commandLine().getErr();
        Detector detector = detector(noShipped, rules, err);
        List<EventSink> out = new ArrayList<>();
        for (String s : sinks.isEmpty() ? List.of("store") : sinks) out.add(EventSink.parse(s, System.out));
        Duration every = Durations.parse(interval);
        EventPipeline pipeline = new EventPipeline(out, detector, a -> {
            synchronized (err) {
                err.printf("ALERT [%s] %s: %s (rule %s)%s%n", a.detection().level().name().toLowerCase(), a.vm().name(),
                        Table.escape(a.detection().title()), a.detection().ruleId(), evidence(a));
                err.flush();
            }
        }, null);
        CountDownLatch done = new CountDownLatch(1);
        Monitor monitor = Monitor.start(vms, new VmWatcher.Options(every, trace, integrityEvery).withConnect(java.util.Optional.ofNullable(connect))
                .withCapture(capture == null ? null : Durations.parse(capture)).withFiles(files), new StatusPrinter(pipeline, err));
        Thread hook = new Thread(() -> {
            monitor.close();
            pipeline.close();
            done.countDown();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        err.printf("monitoring %s every %s%s with %d rules; events to %s (Ctrl-C to stop)%n",
                vms.isEmpty() ? "all VMs" : String.join(", ", vms), interval,
                (trace ? " + tracing" : "") + (capture == null ? "" : " + process capture every " + capture),
                detector.rules().size(), String.join(", ", sinks.isEmpty() ? List.of("store") : sinks));
        err.flush();
        if (duration != null) {
            Thread.sleep(Durations.parse(duration));
            Runtime.getRuntime().removeShutdownHook(hook);
            hook.run();
        } else {
            while (true) {
                Thread.sleep(Duration.ofSeconds(2));
                pipeline.flush();
            }
        }
        err.printf("stopped: %d events, %d alerts%n", pipeline.events(), pipeline.alerts());
        return 0;
    }

    /** {@return CHIRP's shipped rules (unless {@code noShipped}) and those in {@code rules}; problems go to {@code err}} */
    static Detector detector(boolean noShipped, Path rules, PrintWriter err) {
        List<io.chirp.detect.eval.CompiledRule> all = new ArrayList<>();
        if (!noShipped) all.addAll(Detector.shipped().rules());
        if (rules != null) {
            Detector extra = Detector.load(rules);
            for (RuleProblem p : extra.problems()) err.println("chirp: skipped rule: " + Table.escape(p.toString()));
            all.addAll(extra.rules());
        }
        if (all.isEmpty()) throw ChirpException.usage("no rules to run");
        return Detector.of(all);
    }

    private static String evidence(EventPipeline.Alert a) {
        var p = a.trigger().json().path("process");
        if (p.isMissingNode()) p = a.trigger().json().path("actor").path("process");
        if (p.isMissingNode()) return "";
        String cmd = p.path("cmd_line").asText(p.path("name").asText(""));
        return " pid " + p.path("pid").asText("?") + " " + Table.escape(cmd);
    }

    /** Prints VM state changes as they happen, so the analyst sees the monitor is alive. */
    private record StatusPrinter(EventPipeline pipeline, PrintWriter err) implements io.chirp.monitor.MonitorListener {
        @Override public void onChange(VmRef vm, io.chirp.monitor.Change change) {
            if (change instanceof io.chirp.monitor.Change.VmState s) {
                synchronized (err) {
                    err.printf("vm %s: %s%s%n", vm.name(), s.state(), s.detail().isEmpty() ? "" : " (" + Table.escape(s.detail()) + ")");
                    err.flush();
                }
            }
            pipeline.onChange(vm, change);
        }

        @Override public void onTrace(VmRef vm, io.chirp.monitor.trace.TraceEvent e) { pipeline.onTrace(vm, e); }
    }
}
