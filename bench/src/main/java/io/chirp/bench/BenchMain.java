package io.chirp.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs the benchmarks and writes markdown reports: each number next to its same-run baseline and the ratio. */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "all";
        Path reports = Path.of(args.length > 1 ? args[1] : "bench/reports");
        Files.createDirectories(reports);
        if (which.equals("memory") || which.equals("all")) memory(reports);
        if (which.equals("linux") || which.equals("all")) linux(reports);
        if (which.equals("acquisition") || which.equals("all")) acquisition(reports);
        if (which.equals("detection") || which.equals("all")) detection(reports);
        if (which.equals("poll") || which.equals("all")) poll(reports);
        if (which.equals("monitor") || which.equals("all")) monitor(reports);
        if (which.equals("oracles") || which.equals("all")) oracles(reports);
        if (which.equals("sessions") || which.equals("all")) sessions(reports);
        if (which.equals("server") || which.equals("all")) server(reports);
        if (which.equals("response") || which.equals("all")) response(reports);
        if (which.equals("fleet") || which.equals("all")) fleet(reports);
        if (which.equals("fleet-scale")) fleetScale(reports); // not in "all": 1k/5k/10k VMs take long
        if (which.equals("libvirt") || which.equals("all")) libvirt(reports);
        if (which.equals("kernels") || which.equals("all")) kernels(reports);
        if (which.equals("console") || which.equals("all")) console(reports);
        if (which.equals("short-lived") || which.equals("all")) shortLived(reports);
        // not in "all": a soak is as long as it is asked to be
        if (which.equals("soak")) soak(reports, flag(args, "--minutes", 5), (int) flag(args, "--guests", 3));
    }

    /** kernels.md (attach and pslist per kernel) and isf-export.md (CHIRP's export beside dwarf2json), one run. */
    private static void kernels(Path reports) throws Exception {
        String before = KernelsBench.loadNow();
        KernelsBench.Result r = KernelsBench.run(Path.of("bench/target/kernels").toAbsolutePath(),
                System.getProperty("java.class.path"), 3);
        String load = "load average " + before + " before, " + KernelsBench.loadNow() + " after (1, 5, 15 min)";
        String md = header("Kernels: attach and one-shot pslist on every x86-64 kernel", "bench/run kernels")
                + load + "\n\n" + KernelsBench.report(r);
        Files.writeString(reports.resolve("kernels.md"), md);
        System.out.print(md);
        String isf = header("ISF export: CHIRP against dwarf2json", "CHIRP_DWARF2JSON=... CHIRP_VMLINUX=... bench/run kernels")
                + load + "\n\nKernel: Debian " + r.isfKernel() + ". CHIRP reads a 512 MiB ELF core of the lab guest (kallsyms"
                + " and BTF from the guest's own memory); dwarf2json reads the same kernel's vmlinux with DWARF from Debian's"
                + " -dbg package. The two alternate, so the load falls on both alike.\n\n" + KernelsBench.isfReport(r);
        Files.writeString(reports.resolve("isf-export.md"), isf);
        System.out.print(isf);
    }

    private static void console(Path reports) throws Exception {
        int vms = Integer.getInteger("chirp.bench.console.vms", 200), events = Integer.getInteger("chirp.bench.console.events", 100_000);
        List<ConsoleBench.Row> rows = ConsoleBench.run(vms, events);
        StringBuilder md = new StringBuilder(header("Console: " + vms + " VMs and " + String.format("%,d", events)
                + " events in a real browser", "bench/run console"));
        md.append("Headless Debian chromium driven by Selenium; every time is taken inside the page with its Performance API"
                + " (`performance.now()`, navigation timing, a long-task observer), from the action to the frame after the"
                + " DOM is complete. The VMs are stand-ins: one `chirp sensor --replay` process reports them through a real"
                + " broker to `chirp serve --kafka`, and keeps replaying events for them (0.05/s each) while the pages are"
                + " measured; the stored events (the same recording, spread over the last 24 hours) are written into the"
                + " server's store before it starts. Load average at the end: " + loadAverage() + ".\n\n");
        md.append("| measurement | median ms | worst ms | runs | note |\n|---|---|---|---|---|\n");
        for (ConsoleBench.Row r : rows) md.append(String.format("| %s | %.1f | %.1f | %d | %s |%n", r.what(), r.medianMs(), r.maxMs(), r.runs(), r.note()));
        Files.writeString(reports.resolve("console.md"), md);
        System.out.print(md);
    }

    private static void shortLived(Path reports) throws Exception {
        java.time.Duration tick = java.time.Duration.ofNanos(Long.getLong("chirp.bench.tickMicros", 1000) * 1000);
        List<ShortLivedBench.Row> rows = ShortLivedBench.run(tick);
        StringBuilder md = new StringBuilder(header("Short-lived processes: memory-only capture against tracing",
                "bench/run short-lived"));
        md.append("A guest loop of ").append(ShortLivedBench.EXECS).append(" execs (`/bin/busybox true zzmarkN`, each with its"
                + " own marker), timed by the guest's own clock (/proc/uptime), on one lab guest (minimal scenario, 1 vCPU,"
                + " QEMU TCG) in one run. Recovered: distinct markers seen in the command lines of the launches the monitor"
                + " reported. (a) runs before and after (b): the machine is shared and its load drifts.\n\n"
                + "| run | execs | guest wall time | per 2,000 execs | vs (a) | execs recovered with argv | note |\n"
                + "|---|---|---|---|---|---|---|\n");
        double base = (rows.get(0).guestSeconds() + rows.get(2).guestSeconds()) / 2;
        for (ShortLivedBench.Row r : rows) {
            md.append(String.format("| %s | %d | %.2f s | %.2f s | %s | %s | %s |%n", r.what(), r.execs(), r.guestSeconds(),
                    r.scaledSeconds(), r.recovered() < 0 ? "—" : String.format("%+.1f %%", 100 * (r.scaledSeconds() / base - 1)),
                    r.recovered() < 0 ? "—" : String.format("%d (%.1f %%)", r.recovered(), 100.0 * r.recovered() / r.execs()),
                    r.note()));
        }
        md.append(String.format("%n(a) is the mean of its two runs: %.2f s.%n", base));
        Files.writeString(reports.resolve("short-lived.md"), md);
        System.out.print(md);
    }

    /** {@return the number after {@code name} in {@code args} (after the report folder), or {@code fallback}} */
    private static double flag(String[] args, String name, double fallback) {
        for (int i = 2; i + 1 < args.length; i++) if (args[i].equals(name)) return Double.parseDouble(args[i + 1]);
        return fallback;
    }

    private static void soak(Path reports, double minutes, int guests) throws Exception {
        SoakBench.Result r = SoakBench.run(guests, Duration.ofSeconds((long) (minutes * 60)));
        StringBuilder md = new StringBuilder(header("Soak: monitor on several guests",
                "bench/run soak --minutes " + minutes + " --guests " + guests));
        md.append(String.format("%d lab guests (256 MiB, standard scenario) watched by one in-process monitor at a 1 s interval,"
                + " integrity checks every 10th poll. Each guest starts a `sleep 3` every 2 s and logs its pid; the log is the"
                + " ground truth for lost and duplicated process-start events.%n%nPlanned %s, ran %d s of load"
                + " (plus attach before and 6 s of drain after).%n%n", r.guests(), r.planned(), r.ran().toSeconds()));
        md.append("| VM | sleeps started | reported | lost | duplicated |\n|---|---|---|---|---|\n");
        for (SoakBench.PerVm v : r.vms()) {
            md.append(String.format("| %s | %d | %d | %d | %d |%n", v.vm(), v.spawned(), v.seen(), v.lost(), v.duplicated()));
        }
        md.append("\n| at (s) | RSS (MiB) | threads | events so far |\n|---|---|---|---|\n");
        for (SoakBench.Sample x : r.samples()) {
            md.append(String.format("| %d | %.1f | %d | %d |%n", x.seconds(), x.rssKiB() / 1024.0, x.threads(), x.events()));
        }
        SoakBench.Sample first = r.samples().getFirst(), last = r.samples().getLast();
        long maxThreads = r.samples().stream().mapToLong(SoakBench.Sample::threads).max().orElse(0);
        md.append(String.format("%nRSS %.1f -> %.1f MiB, threads %d -> %d (max %d), %d events in all.%n",
                first.rssKiB() / 1024.0, last.rssKiB() / 1024.0, first.threads(), last.threads(), maxThreads, r.events()));
        md.append("\nVM state changes seen: ").append(String.join("; ", r.states())).append("\n");
        Files.writeString(reports.resolve("soak.md"), md);
        System.out.print(md);
    }

    private static void libvirt(Path reports) throws Exception {
        List<LibvirtBench.Row> rows = LibvirtBench.run(5);
        StringBuilder md = new StringBuilder(header("libvirt: a libvirt domain against direct QEMU", "bench/run libvirt"));
        md.append("Same lab image, both booted in this run; the views go through the back-end interface (`--vm NAME` and"
                + " `--vm libvirt:NAME --connect URI`).\n\n| measurement | median ms | result | runs |\n|---|---|---|---|\n");
        for (LibvirtBench.Row r : rows) md.append(String.format("| %s | %.0f | %d | %s |%n", r.what(), r.millis(), r.rows(), r.note()));
        double direct = rows.get(0).millis(), lv = rows.get(1).millis(), peek = rows.get(2).millis();
        double fileRead = rows.get(3).millis(), peekRead = rows.get(4).millis();
        md.append(String.format("%nRatio libvirt (RAM file) / direct QEMU pslist: %.2f. memoryPeek pslist / RAM-file pslist: %.1f."
                + " Read throughput: RAM file %.0f MiB/s, memoryPeek %.1f MiB/s (%.0fx slower).%n", lv / direct, peek / lv,
                16 / (fileRead / 1000), 16 / (peekRead / 1000), peekRead / fileRead));
        Files.writeString(reports.resolve("libvirt.md"), md);
        System.out.print(md);
    }

    private static Map<String, RunResult> jmh(Class<?>... classes) throws Exception {
        OptionsBuilder o = new OptionsBuilder();
        for (Class<?> c : classes) o.include(c.getName() + "\\.");
        Collection<RunResult> results = new Runner(o.build()).run();
        Map<String, RunResult> byName = new LinkedHashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            byName.put(label.substring(label.lastIndexOf('.') + 1), r);
        }
        return byName;
    }

    /** {@return results by benchmark name and parameters, e.g. {@code detect[rules=100]}} */
    private static Map<String, RunResult> jmhWithParams(Class<?> c, String param, String... values) throws Exception {
        OptionsBuilder o = new OptionsBuilder();
        o.include(c.getName() + "\\.");
        o.param(param, values);
        Map<String, RunResult> byName = new LinkedHashMap<>();
        for (RunResult r : new Runner(o.build()).run()) {
            String label = r.getParams().getBenchmark();
            byName.put(label.substring(label.lastIndexOf('.') + 1) + "[" + param + "=" + r.getParams().getParam(param) + "]", r);
        }
        return byName;
    }

    private static void detection(Path reports) throws Exception {
        Map<String, RunResult> r = jmhWithParams(DetectionBenchmark.class, "rules", "100", "1000");
        StringBuilder md = new StringBuilder(header("Detection: Sigma rules per event on one core", "bench/run detection"));
        md.append("Events: the OCSF events of a recorded lab monitor run (`").append(BenchData.LAB_RUN)
                .append("`), mapped to Sigma fields by the standard pipeline; one event per operation, cycling through the run."
                        + " Rules: see `BenchRules` (1,000 = shipped + every SigmaHQ Linux rule + replicas with varied literals).\n\n"
                        + "Previous figure (bench/reports/monitor.md, 2026-11-25, rule-by-rule evaluator, synthetic process"
                        + " events, wall time): 59,948 events/s with 100 rules through build + mapping + rules, 0.10x of"
                        + " building the event alone (611,198 /s). Previous compiled rule set (this report, 2026-12-02T01:39,"
                        + " library Aho-Corasick, CPU time): 441,209 events/s with 100 rules, 224,172 /s with 1,000.\n\n");
        md.append("JMH throughput, wall time (on a shared machine under load the error bars say how far to trust it;"
                + " the CPU-time table below is the steadier figure):\n\n");
        md.append("| measurement | rules | result | baseline (same run) | ratio |\n|---|---|---|---|---|\n");
        for (String n : new String[] {"100", "1000"}) {
            String k = "[rules=" + n + "]";
            double base = score(r, "buildOnly" + k);
            for (String[] row : new String[][] {
                    {"detect", "events/s on one core: compiled rule set (Aho-Corasick prefilter), Sigma events of the run"},
                    {"detectOneByOne", "events/s on one core: rule-by-rule evaluator (previous engine), same events"},
                    {"buildMapDetect", "events/s on one core: OCSF process event + Sigma mapping + compiled rule set"}}) {
                md.append(String.format("| %s | %s | %.0f /s %s | OCSF event alone: %.0f /s | %.2f |%n", row[1], n,
                        score(r, row[0] + k), err(r, row[0] + k), base, score(r, row[0] + k) / base));
            }
            md.append(String.format("| compiled set vs rule by rule | %s | %.1fx | | |%n", n,
                    score(r, "detect" + k) / score(r, "detectOneByOne" + k)));
        }
        md.append("\nThe same operations by CPU time of the benchmark thread (events per CPU second; other processes"
                + " competing for the cores do not count), interleaved in 10 rounds of 0.2 CPU s each after 2 warm-up rounds:\n\n");
        md.append("| measurement | rules | events per CPU second | baseline: OCSF event alone | ratio |\n|---|---|---|---|---|\n");
        for (int n : new int[] {100, 1000}) {
            Map<String, Double> c = DetectionBenchmark.cpuRates(n, 10);
            for (String op : new String[] {"detect", "detectOneByOne", "buildMapDetect"}) {
                md.append(String.format("| %s | %d | %.0f /s | %.0f /s | %.2f |%n", op, n, c.get(op), c.get("buildOnly"),
                        c.get(op) / c.get("buildOnly")));
            }
            md.append(String.format("| compiled set vs rule by rule | %d | %.1fx | | |%n", n, c.get("detect") / c.get("detectOneByOne")));
        }
        md.append("\nLoad average when the report was written: ").append(loadAverage()).append(" (on ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores).\n");
        Files.writeString(reports.resolve("detection.md"), md);
        System.out.print(md);
    }

    private static void poll(Path reports) throws Exception {
        List<PollBench.Row> rows = PollBench.run(Path.of("bench/target"));
        StringBuilder md = new StringBuilder(header("Polling: the cost of one poll of a VM, part by part", "bench/run poll"));
        md.append("CPU time of the polling thread, mean of 120 after 20 warm-up polls, on a memory image of a 512 MiB lab"
                + " guest and on the live guest (shared RAM file). VMs per core at a 1 s interval = 1000 ms / poll."
                + " Previous figure (bench/reports/monitor.md, wall time on a quieter machine): 5.65 ms per poll, 176 VMs"
                + " per core. Load average: " + loadAverage() + ".\n\n");
        md.append("| measurement | where | ms | VMs per core at 1 s |\n|---|---|---|---|\n");
        for (PollBench.Row row : rows) {
            md.append(String.format("| %s | %s | %.3f | %s |%n", row.what(), row.note(), row.ms(),
                    row.what().startsWith("one poll") ? String.format("%.0f", Math.floor(1000 / row.ms())) : ""));
        }
        Files.writeString(reports.resolve("poll.md"), md);
        System.out.print(md);
    }

    private static String header(String title, String command) {
        return "# " + title + "\n\nCommand: `" + command + "`  \nRun: " + Instant.now() + " on " + machine() + "\n\n";
    }

    private static void memory(Path reports) throws Exception {
        Map<String, RunResult> r = jmh(PhysicalReadBenchmark.class, TranslationBenchmark.class);
        double chirp = score(r, "chirpLiveRead"), base = score(r, "baselineMemcpy");
        double cold = score(r, "translateCold"), cached = score(r, "translateCached");
        StringBuilder md = new StringBuilder(header("Memory: physical reads and translations", "bench/run memory"));
        md.append("| measurement | result | baseline (same run) | ratio |\n|---|---|---|---|\n");
        md.append(String.format("| physical read, live shared RAM file, 1 MiB blocks | %.0f MiB/s %s | plain native memcpy: %.0f MiB/s %s | %.2f |%n",
                chirp, err(r, "chirpLiveRead"), base, err(r, "baselineMemcpy"), chirp / base));
        md.append(String.format("| kernel VA translations, cold (4-level walk each) | %.0f /s %s | — | — |%n", cold, err(r, "translateCold")));
        md.append(String.format("| kernel VA translations, cached | %.0f /s %s | cold walk: %.0f /s | %.1f× |%n",
                cached, err(r, "translateCached"), cold, cached / cold));
        md.append("\nThroughput is JMH's mean over 5 one-second iterations after 3 warm-ups, one fork, with the lab guest running.\n");
        Files.writeString(reports.resolve("memory.md"), md);
        System.out.print(md);
    }

    private static void linux(Path reports) throws Exception {
        Map<String, RunResult> r = jmh(PsListBenchmark.class);
        String cp = System.getProperty("java.class.path");
        List<StartupBench.Row> rows = StartupBench.run(Path.of("bench/target"), cp, 3);
        StringBuilder md = new StringBuilder(header("Linux: time to a process list", "bench/run linux"));
        md.append("| measurement | result |\n|---|---|\n");
        md.append(String.format("| refresh of the process list (with command lines) on an attached live guest | %.2f ms %s |%n",
                score(r, "refreshWithCmdlines"), err(r, "refreshWithCmdlines")));
        md.append(String.format("| cold attach in a warm JVM (kernel discovery, kallsyms, BTF, page tables) | %.0f ms %s |%n",
                score(r, "coldAttach"), err(r, "coldAttach")));
        md.append("\nOne-shot command, JVM start included, against a bare JVM start in the same run (wall seconds, peak RSS):\n\n");
        md.append("| command | wall s | peak RSS MiB |\n|---|---|---|\n");
        for (StartupBench.Row row : rows) {
            md.append(String.format("| %s | %.2f | %d |%n", row.what(), row.seconds(), row.maxRssKb() / 1024));
        }
        double chirp = rows.stream().filter(x -> x.what().startsWith("chirp")).mapToDouble(StartupBench.Row::seconds).min().orElse(0);
        double jvm = rows.stream().filter(x -> x.what().startsWith("bare")).mapToDouble(StartupBench.Row::seconds).min().orElse(1);
        md.append(String.format("%nBest of 3: pslist %.2f s = %.1f× a bare JVM start (%.2f s).%n", chirp, chirp / jvm, jvm));
        Files.writeString(reports.resolve("linux.md"), md);
        System.out.print(md);
    }

    private static void acquisition(Path reports) throws Exception {
        Path scratch = Path.of("bench/target/acquisition").toAbsolutePath();
        Files.createDirectories(scratch);
        String mem = System.getenv().getOrDefault("CHIRP_BENCH_GUEST_MEM", "4G");
        List<AcquisitionBench.Row> rows = AcquisitionBench.run(scratch, mem, 2);
        String md = AcquisitionBench.report(header("Acquisition of a " + mem + " guest", "bench/run acquisition"), mem, rows)
                + "\nLoad average when the report was written: " + loadAverage() + ".\n";
        Files.writeString(reports.resolve("acquisition.md"), md);
        System.out.print(md);
    }

    private static void oracles(Path reports) throws Exception {
        List<OracleBench.Row> rows = OracleBench.run(Path.of("bench/target/oracles"), System.getProperty("java.class.path"));
        StringBuilder md = new StringBuilder(header("Disks and network against their peer tools", "bench/run oracles"));
        md.append("Best of 3 (commands) or of 3 after a warm-up (in-process), same input, same run.\n\n");
        md.append("| measurement | CHIRP s | peer s | peer | CHIRP / peer |\n|---|---|---|---|---|\n");
        for (OracleBench.Row row : rows) {
            md.append(String.format("| %s | %.3f | %.3f | %s | %.2f |%n", row.what(), row.chirpSeconds(), row.peerSeconds(),
                    row.peer(), row.chirpSeconds() / row.peerSeconds()));
        }
        Files.writeString(reports.resolve("oracles.md"), md);
        System.out.print(md);
    }

    private static void monitor(Path reports) throws Exception {
        Map<String, RunResult> r = jmhWithParams(DetectionBenchmark.class, "rules", "100");
        double full = score(r, "buildMapDetect[rules=100]"), base = score(r, "buildOnly[rules=100]");
        List<MonitorBench.Row> rows = MonitorBench.run(Path.of("bench/target"));
        StringBuilder md = new StringBuilder(header("Monitoring: latency, throughput, fleet size, tracing cost", "bench/run monitor"));
        md.append("| measurement | result | baseline (same run) | ratio |\n|---|---|---|---|\n");
        md.append(String.format("| events/s on one core: OCSF process event + Sigma mapping + 100 rules | %.0f /s %s | OCSF event alone: %.0f /s | %.2f |%n",
                full, err(r, "buildMapDetect[rules=100]"), base, full / base));
        md.append("\n| measurement | value | note |\n|---|---|---|\n");
        for (MonitorBench.Row row : rows) {
            md.append(String.format("| %s | %.2f %s | %s |%n", row.what(), row.value(), row.unit(), row.note()));
        }
        Files.writeString(reports.resolve("monitor.md"), md);
        System.out.print(md);
    }

    private static void sessions(Path reports) throws Exception {
        List<SessionBench.Row> rows = SessionBench.run(System.getProperty("java.class.path"), 3);
        StringBuilder md = new StringBuilder(header("Sessions: a one-shot view of a VM a monitor is watching", "bench/run sessions"));
        md.append("Wall time of one `pslist` (attach, kernel discovery, task walk), while a monitor polls the same VM at 1 s or"
                + " while nobody else uses it, same guest, same run.\n\n");
        md.append("| measurement | median ms | ratio to alone | note |\n|---|---|---|---|\n");
        double inJvm = rows.get(0).millis(), proc = rows.get(2).millis();
        for (int i = 0; i < rows.size(); i++) {
            SessionBench.Row row = rows.get(i);
            md.append(String.format("| %s | %.0f | %.2f | %s |%n", row.what(), row.millis(), row.millis() / (i < 2 ? inJvm : proc),
                    row.note()));
        }
        md.append("\nIn one JVM the view joins the watcher's QMP connection (no connect, no greeting). As a separate process it"
                + " finds the monitor's lease record and does not try QMP at all: memory comes from the RAM file laid out by the"
                + " monitor's published memory map, and the kernel is found without vCPU state. Only a holder that is not CHIRP"
                + " costs the bounded wait for a greeting that never comes (5 s). Before the broker the in-JVM and the"
                + " monitor-process cases also waited 5 s and then read registers through the gdbstub, pausing the guest; once"
                + " QEMU's listen queue was full the next command hung in connect() for good. Wall times on this shared 2-core"
                + " machine vary by ±50% between runs: read the ratios, not the milliseconds.\n");
        Files.writeString(reports.resolve("sessions.md"), md);
        System.out.print(md);
    }

    private static void server(Path reports) throws Exception {
        ServerBench.Result r = ServerBench.run(10);
        List<ServerBench.Row> rows = r.rows();
        StringBuilder md = new StringBuilder(header("Server: views through the REST API, the view cache, the live stream",
                "bench/run server"));
        md.append("| measurement | median ms | best ms | rows |\n|---|---|---|---|\n");
        for (ServerBench.Row row : rows) {
            md.append(String.format("| %s | %.1f | %.1f | %d |%n", row.what(), row.medianMs(), row.bestMs(), row.rows()));
        }
        md.append(String.format("%nRatio API / in process (medians): %.2f. Ten calls each after two warm-ups, interleaved, "
                + "same live lab guest, same JVM; the API calls ask for fresh=true (past the 2 s view cache), so both sides read the guest.%n%n",
                rows.get(1).medianMs() / rows.get(0).medianMs()));
        md.append("| throughput | per second | notes |\n|---|---|---|\n");
        for (ServerBench.Rate rate : r.rates()) {
            md.append(String.format("| %s | %.0f | %s |%n", rate.what(), rate.perSecond(), rate.note()));
        }
        md.append("\nThe cached view: the guest is read once per 2 s cache lifetime (counted from the end of the read), every"
                + " other answer comes from the cache but is still authenticated, validated, audited (a hash-chained custody"
                + " record per call) and JSON-encoded. The audit log is group-committed: one writer appends everything queued"
                + " in one SQLite transaction (synchronous=FULL, one fsync per group); a mutating call waits until its record"
                + " is durable, a read's record goes with the next group. Before this, every call waited for its own commit"
                + " (the 'one commit per record' row), and the cache's lifetime counted from the start of a read, so a pslist"
                + " slower than 2 s was stale on arrival and every caller read the guest again: the earlier report's 2"
                + " requests/s. The stream: events published on the hub, paced by the benchmark"
                + " to stay half a queue ahead of the slowest subscriber, so the rate is sustained delivery over HTTP (SSE) with"
                + " nothing missed; the hub itself never blocks its publisher: per-subscriber queues of " + io.chirp.server.EventHub.QUEUE
                + " overflow into counted, reported misses.\n");
        Files.writeString(reports.resolve("server.md"), md);
        System.out.print(md);
    }

    private static void response(Path reports) throws Exception {
        List<ResponseBench.Row> rows = ResponseBench.run(3);
        StringBuilder md = new StringBuilder(header("Automatic response: guest action to a verified memory image in the store",
                "bench/run response"));
        md.append("| run | total s | detection + queue s | migration copy s | ingest + check s | image bytes |\n"
                + "|---|---|---|---|---|---|\n");
        int i = 0;
        for (ResponseBench.Row r : rows) {
            md.append(String.format("| %d | %.1f | %.1f | %.1f | %.1f | %d |%n", ++i, r.totalS(), r.detectS(), r.copyS(),
                    r.totalS() - r.detectS() - r.copyS(), r.bytes()));
        }
        md.append("\nA staged implant started in a live 512 MiB lab guest (QEMU TCG, no KVM) while `chirp serve` watches it"
                + " (poll 500 ms); a Sigma rule on its path fires and a response rule takes a migration-mode image. Total ="
                + " from the guest shell returning to the image hashed against its content address in the store (detection,"
                + " the job, the ingest re-hash and move, and this check). Shared 2-core machine: read the split, not the"
                + " seconds.\n");
        Files.writeString(reports.resolve("response.md"), md);
        System.out.print(md);
    }

    private static void fleet(Path reports) throws Exception {
        int seconds = Integer.getInteger("chirp.bench.fleet.seconds", 30);
        String load0 = Files.readString(Path.of("/proc/loadavg")).strip();
        List<FleetBench.Row> rows = FleetBench.run(3, List.of(10, 100, 400), seconds, 1.0, 2);
        String load1 = Files.readString(Path.of("/proc/loadavg")).strip();
        StringBuilder md = new StringBuilder(header("Fleet: sensors through Kafka to the central store", "bench/run fleet"));
        md.append("Machine load (/proc/loadavg: 1, 5, 15 min) before the run: ").append(load0).append("; after: ").append(load1)
                .append(" (2 cores; other work shares them).\n\n");
        md.append("3 `chirp sensor --replay` processes, each VM a replayed recorded stream at 1 event/s through the sensor's real "
                + "pipeline, spool and transactional producer; one KRaft broker (child JVM); the server's ingest into the SQLite store "
                + "in the bench JVM. Sigma `sensor`: the shipped rules run in each sensor. Sigma `central`: the sensors run no rules "
                + "(`--sigma central`) and two members of a detection consumer group (`FleetDetect`, what `chirp serve --sigma-central` "
                + "runs) evaluate every event in the bench JVM. All on this one machine, sharing its cores. Every run ends with the "
                + "ledger check: produced = stored, none twice, per-VM order kept.\n\n");
        md.append("| Sigma | VMs | events stored | alerts | wall s | events/s end to end | event → store p50 / p99 ms | guest event → alert p50 / p99 ms "
                + "| sensor CPU s per 1k events | sensor CPU % per VM | sensor peak RSS MiB | ingest CPU ms per 1k events | central Sigma CPU ms per 1k events |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (FleetBench.Row r : rows) {
            md.append(String.format("| %s | %d | %d | %d | %.1f | %.0f | %.0f / %.0f | %.0f / %.0f | %.2f | %.3f | %d | %.1f | %s |%n", r.sigma(), r.vms(),
                    r.events(), r.alerts(), r.seconds(), r.eventsPerSecond(), r.eventP50(), r.eventP99(), r.alertP50(), r.alertP99(),
                    r.sensorCpuPerKiloEvent(), r.sensorCpuPerVmPercent(), r.sensorPeakRssMiB(), r.ingestCpuMsPerKiloEvent(),
                    Double.isNaN(r.detectCpuMsPerKiloEvent()) ? "-" : String.format("%.1f", r.detectCpuMsPerKiloEvent())));
        }
        md.append("""

                Reading it: events/s is bounded by the offered load (VMs × 1/s) while the fleet keeps up; the wall time includes
                the sensors' JVM start. Event latency is from the sensor's event (replay time stamp) to its commit in the central
                store, on one clock; alert latency is from the guest's event to the alert: at the sensor, to the alert's commit in
                the store; centrally, to the detection member's finding. A real guest adds its poll interval (1 s by default)
                before the sensor sees an action. Sensor CPU here is the publishing path only (replay, Sigma if at the sensor,
                spool, Kafka): the cost of introspecting a real VM per poll is measured in monitor.md and adds per VM. The
                sensor-vs-central difference in sensor CPU per 1k events is what Sigma costs each sensor; the central column is
                what it costs the detection group, which grows by adding members. Velociraptor documents 10-15k endpoints per
                server; the ingest cost per 1k events, times each VM's event rate, says how many VMs one server thread takes in
                (servers in one consumer group split the partitions); this 2-core machine shared with the sensors and the broker
                cannot show 10k VMs end to end.
                """);
        Files.writeString(reports.resolve("fleet.md"), md);
        System.out.print(md);
    }

    private static void fleetScale(Path reports) throws Exception {
        int seconds = Integer.getInteger("chirp.bench.fleet.seconds", 60);
        double rate = Double.parseDouble(System.getProperty("chirp.bench.fleet.rate", "0.1"));
        String load0 = Files.readString(Path.of("/proc/loadavg")).strip();
        String table = FleetBench.scale(3, List.of(1000, 5000, 10000), seconds, rate);
        String md = header("Fleet growth: 1k, 5k and 10k VMs through one broker", "bench/run fleet-scale") + "Machine load (/proc/loadavg)"
                + " before: " + load0 + "; after: " + Files.readString(Path.of("/proc/loadavg")).strip() + " (2 cores, shared).\n\n"
                + "3 `chirp sensor --replay` processes, each VM a replayed stream at " + rate + " events/s for " + seconds + " s, Sigma at"
                + " the sensors, heartbeats every second listing every VM; one KRaft broker; the ingest into SQLite in the bench JVM."
                + " Every size ends with the ledger check (produced = stored, none twice, per-VM order).\n\n" + table;
        Files.writeString(reports.resolve("fleet-scale.md"), md);
        System.out.print(md);
    }

    private static double score(Map<String, RunResult> r, String name) {
        return r.get(name).getPrimaryResult().getScore();
    }

    private static String err(Map<String, RunResult> r, String name) {
        double e = r.get(name).getPrimaryResult().getScoreError();
        return Double.isNaN(e) ? "" : String.format("± %.0f%%", 100 * e / Math.max(1e-9, score(r, name)));
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(cpu);
        } catch (IOException ignored) {
            // keep the default
        }
        return Runtime.getRuntime().availableProcessors() + " cores, " + cpu + ", Java " + Runtime.version();
    }

    static List<String> names(Collection<RunResult> r) {
        List<String> out = new ArrayList<>();
        for (RunResult x : r) out.add(x.getParams().getBenchmark());
        return out;
    }
}
