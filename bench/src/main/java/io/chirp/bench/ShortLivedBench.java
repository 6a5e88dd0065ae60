package io.chirp.bench;

import io.chirp.detect.Detector;
import io.chirp.events.OcsfEvent;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import io.chirp.monitor.EventPipeline;
import io.chirp.monitor.Monitor;
import io.chirp.monitor.ProcessCapture;
import io.chirp.monitor.VmWatcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Short-lived processes, in one run on one guest: a guest loop of {@link #EXECS} short execs, each with its own
 * marker argument, timed by the guest's own clock (a) with no monitor, (b) with the memory-only capture
 * ({@code monitor --capture}), (c) with gdbstub tracing ({@code monitor --trace}); for (b) and (c) the share of
 * execs whose command line (with its marker) was reported. (a) runs before and after (b), since the machine is
 * shared and its load drifts.
 */
final class ShortLivedBench {
    static final int EXECS = 2000;
    /**
     * Execs of the traced run: tracing costs tens of times the guest's time per exec (bench/reports/monitor.md), so
     * on this shared machine the traced loop runs a tenth of the others; its time is given per exec and scaled.
     */
    static final int TRACED_EXECS = Integer.getInteger("chirp.bench.tracedExecs", 200);
    private static final Pattern MARK = Pattern.compile("zzmark(\\d+)");

    record Row(String what, int execs, double guestSeconds, int recovered, String note) {
        /** {@return the guest time scaled to {@link #EXECS} execs} */
        double scaledSeconds() { return guestSeconds * EXECS / execs; }
    }

    static List<Row> run(Duration tick) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (LabGuest g = Lab.fromEnvironment().boot(Lab.Options.defaults().withScenario(Scenario.named("minimal"))
                .withName("shortlived-" + ProcessHandle.current().pid()))) {
            g.shell("echo warm; " + loop(50), Duration.ofMinutes(5));
            rows.add(new Row("(a) no monitor", EXECS, seconds(g.shell(loop(EXECS), Duration.ofMinutes(10))), -1, "before (b)"));
            try (Run r = new Run(g, false, tick)) {
                double s = seconds(g.shell(loop(EXECS), Duration.ofMinutes(10)));
                Thread.sleep(3000);
                ProcessCapture.Stats st = r.monitor.watchers().values().iterator().next().captureStats();
                rows.add(new Row("(b) memory-only capture, tick " + tick.toNanos() / 1000 + " us", EXECS, s, r.marks("capture:"),
                        st == null ? "no stats" : String.format("kernel counted %d new tasks; seen live %d, as exec %d, carved %d,"
                                + " lost %d; %d ticks, %d walked the task list", st.started(), st.live(), st.execs(), st.carved(),
                                st.lost(), st.ticks(), st.walks())));
            }
            rows.add(new Row("(a) no monitor", EXECS, seconds(g.shell(loop(EXECS), Duration.ofMinutes(10))), -1, "after (b)"));
            try (Run r = new Run(g, true, null)) {
                double s = seconds(g.shell(loop(TRACED_EXECS), Duration.ofMinutes(30)));
                Thread.sleep(3000);
                rows.add(new Row("(c) --trace (gdbstub breakpoints)", TRACED_EXECS, s, r.marks("trace:"), "exec/exit/module/connect probes"));
            }
        }
        return rows;
    }

    /** The guest loop: EXECS execs of busybox, each with its marker, between two readings of the guest's uptime. */
    private static String loop(int n) {
        return "t0=$(cut -d' ' -f1 /proc/uptime); i=0; while [ $i -lt " + n + " ]; do /bin/busybox true zzmark$i; "
                + "i=$((i+1)); done; t1=$(cut -d' ' -f1 /proc/uptime); echo \"$t0 $t1\"";
    }

    private static double seconds(String out) {
        String[] f = out.strip().split("\\s+");
        return Double.parseDouble(f[f.length - 1]) - Double.parseDouble(f[f.length - 2]);
    }

    /** A monitor on the guest for the duration of one measurement, keeping every event. */
    private static final class Run implements AutoCloseable {
        final List<OcsfEvent> events = new CopyOnWriteArrayList<>();
        final EventPipeline pipeline;
        final Monitor monitor;

        Run(LabGuest g, boolean trace, Duration tick) throws InterruptedException {
            pipeline = new EventPipeline(List.of(), Detector.shipped(), a -> { }, events::add);
            monitor = Monitor.start(List.of(g.name()), new VmWatcher.Options(Duration.ofSeconds(1), trace, 0).withCapture(tick),
                    pipeline);
            long t0 = System.nanoTime();
            while (events.stream().noneMatch(e -> e.classUid() == 5019) && System.nanoTime() - t0 < 120_000_000_000L) {
                Thread.sleep(50);
            }
            Thread.sleep(2000);
        }

        /** {@return how many distinct markers appear in the command lines of launches observed by {@code how}} */
        int marks(String how) {
            Set<Integer> seen = new HashSet<>();
            for (OcsfEvent e : events) {
                if (e.classUid() != 1007 || e.json().path("activity_id").asInt() != 1) continue;
                if (!e.json().at("/unmapped/observed_by").asText().startsWith(how)) continue;
                Matcher m = MARK.matcher(e.json().at("/process/cmd_line").asText());
                if (m.find()) seen.add(Integer.parseInt(m.group(1)));
            }
            return seen.size();
        }

        @Override public void close() {
            monitor.close();
            pipeline.close();
        }
    }
}
