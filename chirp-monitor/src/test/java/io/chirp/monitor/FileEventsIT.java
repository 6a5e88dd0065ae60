package io.chirp.monitor;

import com.sun.net.httpserver.HttpServer;
import io.chirp.detect.Detector;
import io.chirp.events.OcsfEvent;
import io.chirp.events.schema.OcsfSchema;
import io.chirp.events.schema.SchemaLocator;
import io.chirp.events.validate.EventValidator;
import io.chirp.events.validate.ValidationReport;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * File activity end to end: the monitor diffs the guest's inode caches ({@code monitor --files}) into OCSF File
 * System Activity, and SigmaHQ's Linux file_event rules (read in place from ../shared/data) fire on staged attacks,
 * one staging per shipped rule: a cron job, a doas configuration, a sudoers.d drop-in, a profile.d script, Triple
 * Cross's lock file and persistence binary, a file named with an embedded base64 command, and wget downloading into
 * /tmp (a real download from a server here, slow enough that wget still holds the file at a poll, which is how the
 * writer is known). Renames and deletions come out too, and every event is valid OCSF 1.8.0.
 */
class FileEventsIT {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void sigmaFileEventRulesFireOnStagedAttacks() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        http.createContext("/", ex -> {
            ex.sendResponseHeaders(200, 64);
            try (OutputStream o = ex.getResponseBody()) {
                for (int i = 0; i < 8; i++) { // 64 bytes over about 6 s: wget holds its output file open meanwhile
                    o.write("payload!".getBytes());
                    o.flush();
                    Thread.sleep(750);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        http.start();
        Path rules = sigmaFileRules();
        List<EventPipeline.Alert> alerts = new CopyOnWriteArrayList<>();
        List<OcsfEvent> events = new CopyOnWriteArrayList<>();
        Scenario s = Scenario.named("files").connectToHost(http.getAddress().getPort()); // guest 10.0.2.100:8000
        try (LabGuest g = Lab.fromEnvironment().boot(Lab.Options.defaults().withScenario(s).withName("files-" + ProcessHandle.current().pid()));
             EventPipeline p = new EventPipeline(List.of(), Detector.load(rules), alerts::add, events::add);
             Monitor m = Monitor.start(List.of(g.name()), new VmWatcher.Options(Duration.ofMillis(500), false, 0).withFiles(true), p)) {
            await(events, e -> e.classUid() == 5019 && e.json().path("state").asText().equals("attached"));
            Thread.sleep(2000);
            assertThat(alerts).as("nothing staged yet").isEmpty();

            g.shell("mkdir -p /etc/cron.d /etc/sudoers.d /etc/profile.d /tmp/w; "
                    + "echo '* * * * * root /tmp/x' > /etc/cron.d/zzjob; echo 'permit nopass alice' > /etc/doas.conf; "
                    + "echo 'alice ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/zzalice; echo id > /etc/profile.d/zz.sh; "
                    + "echo lock > /tmp/rootlog; cp /bin/busybox /tmp/ebpfbackdoor; "
                    + "touch '/tmp/{echo,aWQ=}|{base64,-d}|sh'; echo one > /tmp/zzren1; echo two > /tmp/zzgone",
                    Duration.ofSeconds(120));
            await(events, e -> e.classUid() == 1001 && e.json().at("/file/path").asText().equals("/tmp/zzgone"));
            g.shell("mv /tmp/zzren1 /tmp/zzren2; rm /tmp/zzgone; echo more >> /etc/cron.d/zzjob; "
                    + "cp /bin/busybox /tmp/w/wget; /tmp/w/wget -q -O /tmp/payload http://" + Scenario.HOST_ALIAS + ":8000/x",
                    Duration.ofSeconds(120));
            for (String title : List.of("New Cron File Created", "Linux Doas Conf File Creation",
                    "Persistence Via Sudoers.d Files", "Potentially Suspicious Shell Script Creation in Profile Folder",
                    "Triple Cross eBPF Rootkit Default LockFile", "Triple Cross eBPF Rootkit Default Persistence",
                    "Suspicious Filename with Embedded Base64 Commands", "Wget Creating Files in Tmp Directory")) {
                awaitAlert(alerts, title);
            }
            await(events, e -> e.classUid() == 1001 && e.json().path("activity_id").asInt() == 5
                    && e.json().at("/file/path").asText().equals("/tmp/zzren1")
                    && e.json().at("/file_result/path").asText().equals("/tmp/zzren2"));
            await(events, e -> e.classUid() == 1001 && e.json().path("activity_id").asInt() == 4
                    && e.json().at("/file/path").asText().equals("/tmp/zzgone"));
            await(events, e -> e.classUid() == 1001 && e.json().path("activity_id").asInt() == 3
                    && e.json().at("/file/path").asText().equals("/etc/cron.d/zzjob"));

            // the wget event names its writer; the cron file its inode, owner and times, as the guest says
            OcsfEvent wget = events.stream().filter(e -> e.classUid() == 1001 && e.json().at("/file/path").asText()
                    .equals("/tmp/payload")).findFirst().orElseThrow();
            assertThat(wget.json().at("/actor/process/file/path").asText()).isEqualTo("/tmp/w/wget");
            assertThat(wget.json().at("/actor/process/cmd_line").asText()).contains("/tmp/payload");
            List<String> truth = g.shell("stat -c '%i %u %Y' /etc/cron.d/zzjob", Duration.ofSeconds(60)).strip().lines().toList();
            String[] f = truth.getLast().split(" ");
            OcsfEvent cron = events.stream().filter(e -> e.classUid() == 1001 && e.json().path("activity_id").asInt() == 3
                    && e.json().at("/file/path").asText().equals("/etc/cron.d/zzjob")).reduce((a, b) -> b).orElseThrow();
            assertThat(cron.json().at("/file/uid").asText()).isEqualTo(f[0]);
            assertThat(cron.json().at("/file/owner/uid").asText()).isEqualTo(f[1]);
            assertThat(cron.json().at("/file/modified_time").asLong() / 1000).isEqualTo(Long.parseLong(f[2]));
        } finally {
            http.stop(0);
        }
        EventValidator v = new EventValidator(OcsfSchema.load(SchemaLocator.require(Path.of("").toAbsolutePath())));
        for (OcsfEvent e : events) {
            ValidationReport r = v.validate(e.json());
            assertThat(r.isValid()).as("%s\n%s", e.toJsonLine(), r).isTrue();
        }
    }

    /** SigmaHQ's Linux file_event rules, where ../shared/data keeps them beside the repository. */
    static Path sigmaFileRules() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            for (Path c : List.of(p.resolve("shared/data/sigma/rules/linux/file_event"),
                    p.resolve("../shared/data/sigma/rules/linux/file_event").normalize())) {
                if (Files.isDirectory(c)) return c;
            }
        }
        throw new AssertionError("shared/data/sigma/rules/linux/file_event not found beside the repository");
    }

    private static void await(List<OcsfEvent> events, Predicate<OcsfEvent> p) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (events.stream().anyMatch(p)) return;
            Thread.sleep(200);
        }
        throw new AssertionError("event not seen in " + WAIT + "; file events: " + events.stream()
                .filter(e -> e.classUid() == 1001).map(e -> e.activityName() + " " + e.json().at("/file/path").asText()).toList());
    }

    private static void awaitAlert(List<EventPipeline.Alert> alerts, String title) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (alerts.stream().anyMatch(a -> a.detection().title().equals(title))) return;
            Thread.sleep(200);
        }
        throw new AssertionError("no alert '" + title + "' in " + WAIT + "; alerts: "
                + alerts.stream().map(a -> a.detection().title()).toList());
    }
}
