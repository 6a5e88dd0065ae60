package io.chirp.server;

import io.chirp.lab.FileHashes;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web console in a real browser (headless Debian chromium through Selenium) against {@code chirp serve} on a
 * real lab guest: one guest, one server and one browser for the whole class, because boots are slow here. The
 * tests run in order and save screenshots of the main pages into docs/console/.
 */
@WithLabGuest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String PASSWORD = "correct horse battery";
    private static final String XSS = "<img src=x onerror=alert(1)>";
    private static ChirpServer server;
    private static Path home;
    private static Browser browser;
    /** The shipped rule that fires on the staged dropper (a program run from /tmp). */
    private static final String TMP_RULE = "fcb21ce9-7ee3-49ea-82c3-8fc22b905226";
    /** The dropper's alert (test 5), for the case tests. */
    private static String dropperAlert;

    private static synchronized void start(LabGuest g) throws Exception {
        if (server != null) return;
        home = Files.createTempDirectory("chirp-console-it");
        storeOldEvents(ServerConfig.defaults(home).storeFile());
        server = ChirpServer.start(ServerConfig.defaults(home).withPort(0).withVms(List.of(g.name()))
                .withInterval(Duration.ofMillis(500)));
        server.credentials().addUser("ann", Role.ANALYST, PASSWORD.toCharArray());
        server.credentials().addUser("vic", Role.VIEWER, PASSWORD.toCharArray());
        // automatic evidence: the dropper's memory maps, into a case of its own alert
        server.responder().rules(io.chirp.server.response.ResponseRules.parse("""
                responses:
                  - id: console-dropper-maps
                    when: {rules: [%s], vms: ["%s"]}
                    collect: {maps: true}
                    limit: {per_vm: 20, window: 10m}
                    case: alert
                """.formatted(TMP_RULE, g.name()), "test"));
        browser = new Browser(server.uri());
    }

    /** Events the store holds before the server starts, a day old: more than the timeline's first page (test 11). */
    private static final int OLD_EVENTS = 6_000;

    /**
     * Writes OLD_EVENTS launches of paged-old-NNNN a day ago (10 ms apart) into the store the server will open, of a VM
     * that is gone (the timeline of the guest's VM, test 6, shows the guest's own events).
     */
    private static void storeOldEvents(Path file) {
        String vm = "archived-vm";
        long t0 = System.currentTimeMillis() - Duration.ofDays(1).toMillis();
        try (io.chirp.events.store.EventStore store = io.chirp.events.store.EventStore.open(file)) {
            io.chirp.events.build.EventContext ctx = io.chirp.events.build.EventContext.of(io.chirp.events.build.VmIdentity.qemu("hv", vm, null));
            List<io.chirp.events.OcsfEvent> batch = new java.util.ArrayList<>();
            for (int i = 0; i < OLD_EVENTS; i++) {
                batch.add(io.chirp.events.build.ProcessActivity.launch(ctx, io.chirp.events.build.ProcessInfo.of(20_000 + i,
                        String.format("paged-old-%04d", i))).time(t0 + i * 10L).build());
            }
            store.insert(batch);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (browser != null) browser.close();
        } finally {
            if (server != null) server.close();
            if (home != null) {
                try (var files = Files.walk(home)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test @Order(1)
    void anAnalystSignsInAndTheFleetShowsTheVm(LabGuest g) throws Exception {
        start(g);
        browser.open("/");
        browser.await(By.id("login-user"), WAIT);
        browser.screenshot("login");
        browser.driver.findElement(By.id("login-user")).sendKeys("ann");
        browser.driver.findElement(By.id("login-password")).sendKeys("not the password");
        browser.driver.findElement(By.id("login-submit")).click();
        browser.await(WAIT, "the refusal", d -> !d.findElement(By.id("login-error")).getText().isEmpty());
        assertThat(browser.driver.findElement(By.id("login-error")).getText()).contains("Wrong");
        browser.signIn("ann", PASSWORD);
        assertThat(browser.driver.findElement(By.id("who-role")).getText()).isEqualToIgnoringCase("analyst");
        String row = browser.await(WAIT, "the VM attached", d -> {
            String t = d.findElement(By.cssSelector("#fleet-table tr[data-vm='" + g.name() + "']")).getText().toLowerCase();
            return (t.contains("running") || t.contains("attached")) && t.contains("linux version") ? t : null;
        });
        assertThat(row).contains("shared_ram", "qemu");
        assertThat(browser.driver.manage().getCookieNamed(Sessions.COOKIE).isHttpOnly()).isTrue();
        assertThat(browser.driver.executeScript("return document.cookie")).as("the script cannot read the session").isEqualTo("");
        browser.await(WAIT, "the live stream", d -> d.findElement(By.id("live")).getAttribute("class").contains("on"));
        browser.screenshot("fleet");
    }

    @Test @Order(2)
    void aProcessStartedInTheGuestAppearsInTheLiveTreeAndGoesWhenItExits(LabGuest g) throws Exception {
        start(g);
        browser.go("#/vm/" + g.name() + "/processes");
        browser.await(By.cssSelector("#proc-table tr[data-pid='1']"), WAIT);
        g.shell("sleep 3041 </dev/null >/dev/null 2>&1 & echo $! > /tmp/console-sleep", Duration.ofSeconds(60));
        long t0 = System.nanoTime();
        String rowClass = browser.await(WAIT, "sleep 3041 in the tree", d -> d.findElements(By.cssSelector("#proc-table tbody tr")).stream()
                .filter(r -> r.getText().contains("sleep 3041")).findFirst().map(r -> r.getAttribute("class")).orElse(null));
        Duration seen = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(seen).as("shown within seconds").isLessThan(Duration.ofSeconds(30));
        assertThat(rowClass).as("a new process is highlighted").contains("new");
        browser.screenshot("vm-processes");
        // the staged miner masquerades: argv says sleep, comm and the executable say evil_miner
        String miner = browser.await(WAIT, "the miner", d -> d.findElements(By.cssSelector("#proc-table tbody tr")).stream()
                .map(WebElement::getText).filter(t -> t.contains("evil_miner")).findFirst().orElse(null));
        assertThat(miner).containsIgnoringCase("masquerade");
        g.shell("kill $(cat /tmp/console-sleep)", Duration.ofSeconds(60));
        browser.await(WAIT, "sleep 3041 gone from the tree", d -> d.findElements(By.cssSelector("#proc-table tbody tr")).stream()
                .noneMatch(r -> r.getText().contains("sleep 3041")));
        System.out.printf("console: guest process start to its row in the browser: %d ms%n", seen.toMillis());
    }

    @Test @Order(3)
    void hostileProcessNamesRenderAsTextAndRunNothing(LabGuest g) throws Exception {
        start(g);
        browser.go("#/vm/" + g.name() + "/processes");
        browser.await(By.cssSelector("#proc-table tr[data-pid='1']"), WAIT);
        // comm from the file name, argv from the shell's $0; one with markup, one with terminal escapes
        g.shell("cp /bin/busybox '/tmp/" + XSS + "'; (exec -a sleep '/tmp/" + XSS + "' 3042 </dev/null >/dev/null 2>&1 &);"
                + " cp /bin/busybox \"/tmp/$(printf 'x\\033[2J\\033[31mred')\"; (exec -a sleep \"/tmp/$(printf 'x\\033[2J\\033[31mred')\" 3043 </dev/null >/dev/null 2>&1 &);"
                + " (sh -c 'sleep 3044; :' '" + XSS + "' </dev/null >/dev/null 2>&1 &)", Duration.ofSeconds(60));
        assertThat(cell(g, "sleep 3042", ".proc-name")).isEqualTo(XSS.substring(0, 15));
        assertThat(cell(g, "sleep 3044; :", ".proc-cmdline")).contains(XSS);
        assertThat(cell(g, "sleep 3043", ".proc-name")).isEqualTo("x\\x1b[2J\\x1b[31mred");
        assertThat(browser.all(By.cssSelector("#main img"))).as("no element was made from guest text").isEmpty();
        assertThat((String) browser.driver.executeScript("return document.getElementById('proc-table').innerHTML"))
                .doesNotContain("<img").contains("&lt;img src=x onerror=alert(1)&gt;");
        Thread.sleep(3000); // a few more refreshes: still nothing runs
        assertThat(browser.dialogOpen()).as("no alert() ran").isFalse();
        browser.driver.findElement(By.id("proc-filter")).sendKeys("304");
        browser.await(WAIT, "the filter", d -> d.findElements(By.cssSelector("#proc-table tbody tr")).size() <= 4);
        browser.screenshot("vm-hostile-names");
        g.shell("kill $(pidof sleep) 2>/dev/null; pkill -f 'sleep 304' ; rm -f /tmp/'" + XSS + "' \"/tmp/$(printf 'x\\033[2J\\033[31mred')\"; true",
                Duration.ofSeconds(60));
    }

    /** {@return the text of {@code part} in the process row whose text contains {@code rowText}} */
    private static String cell(LabGuest g, String rowText, String part) {
        return browser.await(WAIT, rowText + " in the tree", d -> d.findElements(By.cssSelector("#proc-table tbody tr")).stream()
                .filter(r -> r.getText().contains(rowText)).findFirst().map(r -> r.findElement(By.cssSelector(part)).getText()).orElse(null));
    }

    @Test @Order(4)
    void theVmPageShowsSocketsModulesMountsChecksRegistersAndMemory(LabGuest g) throws Exception {
        start(g);
        for (Map.Entry<String, String> tab : Map.of("sockets", "sockets-table", "modules", "modules-table", "mounts", "mounts-table",
                "checks", "checks-table", "registers", "registers", "memory", "hex-out").entrySet()) {
            browser.go("#/vm/" + g.name() + "/" + tab.getKey());
            WebElement t = browser.await(By.id(tab.getValue()), WAIT);
            browser.await(WAIT, tab.getKey() + " rows", d -> !t.getText().isBlank() && !t.getText().contains("nothing to show"));
            if (tab.getKey().equals("checks")) browser.screenshot("vm-checks");
            if (tab.getKey().equals("memory")) {
                // the kernel's text, read through its own page tables: the dump starts at _text and is all readable
                assertThat(t.getText()).startsWith("ffffffff").doesNotContain("??");
                assertThat(browser.driver.findElement(By.id("hex-status")).getText()).contains("512 of 512 bytes readable");
                browser.screenshot("vm-memory");
            }
            if (tab.getKey().equals("sockets")) {
                assertThat(t.getText()).contains("LISTEN");
                browser.screenshot("vm-sockets");
            }
        }
    }

    @Test @Order(5)
    void aStagedAttacksAlertAppearsWithoutAReloadAndIsAcknowledged(LabGuest g) throws Exception {
        start(g);
        browser.go("#/alerts");
        browser.await(By.id("alerts-table"), WAIT);
        browser.driver.executeScript("window.__sameDocument = true");
        g.shell("cp /bin/busybox /tmp/condrop; (exec -a sleep /tmp/condrop 3045) </dev/null >/dev/null 2>&1 &", Duration.ofSeconds(60));
        long t0 = System.nanoTime();
        By dropper = By.xpath("//table[@id='alerts-table']//tr[contains(., 'Temporary Folder') and contains(., '3045')]");
        String rowClass = browser.await(WAIT, "the dropper's alert", d -> d.findElements(dropper).stream().findFirst()
                .map(r -> r.getAttribute("class") + "\n" + r.getText()).orElse(null));
        dropperAlert = browser.driver.findElement(dropper).getAttribute("data-id");
        System.out.printf("console: guest action to its alert in the browser: %d ms%n", Duration.ofNanos(System.nanoTime() - t0).toMillis());
        assertThat(browser.driver.executeScript("return window.__sameDocument === true")).as("no reload").isEqualTo(true);
        assertThat(rowClass).contains(g.name()).startsWith("new");
        // the queue redraws as alerts arrive (and to keep its times fresh): each click finds the row again
        browser.await(WAIT, "the detail", d -> {
            d.findElement(dropper).click();
            return d.findElement(By.id("alert-detail")).isDisplayed();
        });
        assertThat(browser.driver.findElement(By.id("alert-detail")).getText()).contains("Temporary Folder").containsIgnoringCase("matched event");
        // the response rule's evidence, collected without anyone asking, shown with the alert
        String auto = browser.await(WAIT, "the automatic evidence", d -> d.findElements(By.cssSelector("#alert-artifacts tr[data-kind='process-maps']"))
                .stream().findFirst().map(WebElement::getText).orElse(null));
        var maps = server.evidence().listAlert(dropperAlert).stream().filter(a -> a.kind().equals("process-maps")).findFirst().orElseThrow();
        assertThat(auto).containsIgnoringCase("automatic").contains(maps.sha256());
        browser.screenshot("alerts");
        browser.await(WAIT, "acknowledged", d -> {
            List<WebElement> ack = d.findElement(dropper).findElements(By.cssSelector("button.ack"));
            if (!ack.isEmpty()) ack.getFirst().click();
            return d.findElement(dropper).getText().contains("acknowledged by ann");
        });
        g.shell("kill $(pidof sleep) 2>/dev/null; pkill -f condrop; rm -f /tmp/condrop; true", Duration.ofSeconds(60));
    }

    @Test @Order(6)
    void theTimelineChartsTheEventRateAndFilters(LabGuest g) throws Exception {
        start(g);
        browser.go("#/timeline");
        WebElement t = browser.await(By.id("timeline-table"), WAIT);
        browser.await(WAIT, "the VM choice", d -> new Select(d.findElement(By.id("tl-vm"))).getOptions().stream()
                .anyMatch(o -> o.getAttribute("value").equals(g.name())));
        new Select(browser.driver.findElement(By.id("tl-vm"))).selectByValue(g.name());
        browser.await(WAIT, "the VM's events", d -> {
            List<WebElement> rows = d.findElements(By.cssSelector("#timeline-table tbody tr"));
            return rows.size() > 3 && rows.stream().allMatch(r -> r.getText().contains(g.name()));
        });
        assertThat(browser.driver.executeScript("return !!(window.Chart && Chart.getChart('tl-chart'))")).as("Chart.js drew the chart").isEqualTo(true);
        browser.screenshot("timeline");
        new Select(browser.driver.findElement(By.id("tl-class"))).selectByValue("detection");
        browser.await(WAIT, "only detections", d -> {
            List<WebElement> rows = d.findElements(By.cssSelector("#timeline-table tbody tr"));
            return !rows.isEmpty() && rows.stream().allMatch(r -> r.getText().toLowerCase().contains("detection"));
        });
        browser.driver.findElement(By.id("tl-text")).sendKeys("Temporary Folder");
        browser.await(WAIT, "the text filter", d -> d.findElements(By.cssSelector("#timeline-table tbody tr")).stream()
                // the filter ignores case: the heuristic finding "runs from a temporary folder (/tmp)" matches too
                .allMatch(r -> r.getText().toLowerCase(java.util.Locale.ROOT).contains("temporary folder")));
        assertThat(t.getText()).contains("Temporary Folder");
    }

    @Test @Order(7)
    void anAcquisitionStartedFromTheConsoleCompletesWithProgressAndItsHashMatches(LabGuest g) throws Exception {
        start(g);
        browser.go("#/evidence/" + g.name());
        WebElement button = browser.await(By.id("acquire-memory"), WAIT);
        browser.await(WAIT, "the VM choice", d -> !new Select(d.findElement(By.id("acq-vm"))).getOptions().isEmpty());
        new Select(browser.driver.findElement(By.id("acq-vm"))).selectByValue(g.name());
        new Select(browser.driver.findElement(By.id("acq-mode"))).selectByValue("live");
        button.click();
        // the progress bar moves while it runs
        String id = browser.await(WAIT, "a running job", d -> d.findElements(By.cssSelector("#jobs-table tr[data-state='running'] progress")).stream()
                .findFirst().map(p -> p.getAttribute("data-job")).orElse(null));
        browser.screenshot("evidence-running");
        // the table redraws on every progress message; read the finished row in one go
        List<String> done = browser.await(Duration.ofMinutes(5), "the job done", d -> d.findElements(By.cssSelector("#jobs-table tr[data-id='" + id + "']")).stream()
                .filter(r -> !"running".equals(r.getAttribute("data-state"))).findFirst()
                .map(r -> List.of(r.getAttribute("data-state"), r.findElement(By.cssSelector("progress")).getAttribute("value"),
                        r.findElement(By.cssSelector("td.hash")).getText().strip(), r.getText())).orElse(null));
        assertThat(done.get(0)).as(done.get(3)).isEqualTo("succeeded");
        assertThat(done.get(1)).isEqualTo("100");
        String sha = done.get(2);
        Path image = Path.of(server.jobs().get(id).orElseThrow().artifact());
        assertThat(done.get(3)).contains(image.toString());
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(image)))).isEqualTo(sha);
        browser.screenshot("evidence");
        Files.delete(image);
    }

    @Test @Order(8)
    void theDisksFileTreeShowsMacbTimesAndDownloadsAFileThroughTheEvidenceStore(LabGuest g) throws Exception {
        start(g);
        // the guest's data disk is mounted at /mnt/data: its file system's / is the guest's /mnt/data
        g.shell("mkdir -p /mnt/data/console && head -c 300000 /dev/urandom > /mnt/data/console/blob.bin && sync; echo ok", Duration.ofSeconds(60));
        String guestSha = guestSha(g, "/mnt/data/console/blob.bin");
        browser.go("#/vm/" + g.name() + "/files");
        browser.await(By.cssSelector("#files-table tr[data-path='/console']"), WAIT).findElement(By.cssSelector("a.dir")).click();
        WebElement row = browser.await(By.cssSelector("#files-table tr[data-path='/console/blob.bin']"), WAIT);
        assertThat(browser.driver.findElement(By.id("disk-path")).getAttribute("data-path")).isEqualTo("/console");
        // M, A and C are shown, in this year; B where the file system records birth (ext4 with large inodes)
        String year = String.valueOf(java.time.Year.now(java.time.ZoneOffset.UTC).getValue());
        List<WebElement> cells = row.findElements(By.tagName("td"));
        assertThat(cells.subList(5, 8)).extracting(WebElement::getText).allSatisfy(t -> assertThat(t).startsWith(year));
        assertThat(cells.get(8).getText()).satisfiesAnyOf(t -> assertThat(t).isEmpty(), t -> assertThat(t).startsWith(year));
        assertThat(cells.get(4).getText()).isEqualTo("293.0 KiB");
        row.findElement(By.cssSelector("button.download")).click();
        String state = browser.await(WAIT, "the extraction", d -> {
            String st = d.findElement(By.id("download-status")).getAttribute("data-state");
            return "running".equals(st) ? null : st;
        });
        assertThat(state).as(browser.driver.findElement(By.id("download-status")).getText()).isEqualTo("succeeded");
        assertThat(browser.driver.findElement(By.id("download-sha")).getText()).isEqualTo(guestSha);
        // the job's progress in bytes of the file's size, as the console showed it
        assertThat(browser.driver.findElement(By.id("download-progress")).getText()).startsWith("293.0 KiB of 293.0 KiB");
        Path saved = browser.downloadWithHash(guestSha, WAIT); // the browser's own copy, byte for byte the guest's file
        assertThat(Files.size(saved)).isEqualTo(300_000);
        String artifact = browser.driver.findElement(By.id("download-status")).getAttribute("data-artifact");
        assertThat(server.evidence().require(artifact).sha256()).isEqualTo(guestSha);
        browser.screenshot("vm-files");
    }

    @Test @Order(9)
    void captureDiskImageAndExtractionRunAsJobsWithProgressCancelAndHashes(LabGuest g) throws Exception {
        start(g);
        browser.go("#/evidence/" + g.name());
        browser.await(By.id("capture"), WAIT);
        browser.await(WAIT, "the VM choice", d -> new Select(d.findElement(By.id("acq-vm"))).getOptions().stream()
                .anyMatch(o -> o.getAttribute("value").equals(g.name())));
        new Select(browser.driver.findElement(By.id("acq-vm"))).selectByValue(g.name());
        // a long capture, cancelled from its row: it stops early and keeps what it captured
        WebElement secs = browser.driver.findElement(By.id("cap-seconds"));
        secs.clear();
        secs.sendKeys("120");
        browser.driver.findElement(By.id("capture")).click();
        String capture = runningJob("capture");
        g.shell("(for i in $(seq 5); do ping -c 1 -W 1 10.0.2.2; done) >/dev/null 2>&1; true", Duration.ofSeconds(60));
        browser.await(WAIT, "the cancel button", d -> {
            List<WebElement> b = d.findElements(By.cssSelector("#jobs-table tr[data-id='" + capture + "'] button.cancel"));
            if (!b.isEmpty()) b.getFirst().click();
            return server.jobs().get(capture).orElseThrow().state() != Jobs.State.running;
        });
        List<String> cap = finishedRow(capture, Duration.ofSeconds(60));
        assertThat(cap.get(0)).as(cap.get(3)).isIn("succeeded", "cancelled");
        Jobs.View cv = server.jobs().get(capture).orElseThrow();
        if (cv.artifact() != null) assertThat(FileHashes.sha256Hex(Path.of(cv.artifact()))).isEqualTo(cap.get(2));

        // the whole data disk, imaged at a point in time
        browser.driver.findElement(By.id("image-disk")).click();
        String disk = runningJob("disk-acquisition");
        List<String> img = finishedRow(disk, Duration.ofMinutes(5));
        assertThat(img.get(0)).as(img.get(3)).isEqualTo("succeeded");
        assertThat(img.get(1)).isEqualTo("100");
        assertThat(FileHashes.sha256Hex(Path.of(server.jobs().get(disk).orElseThrow().artifact()))).isEqualTo(img.get(2));

        // one file by path: its hash is the guest's own sha256sum
        String guestSha = guestSha(g, "/mnt/data/console/blob.bin");
        java.util.Set<String> before = server.jobs().list().stream().map(Jobs.View::id).collect(java.util.stream.Collectors.toSet());
        browser.driver.findElement(By.id("extract-path")).sendKeys("/console/blob.bin");
        browser.driver.findElement(By.id("extract")).click();
        String x = browser.await(WAIT, "the extraction job", d -> server.jobs().list().stream().filter(j -> j.kind().equals("extraction")
                && !before.contains(j.id())).findFirst().map(Jobs.View::id).orElse(null));
        List<String> ex = finishedRow(x, WAIT);
        assertThat(ex.get(0)).as(ex.get(3)).isEqualTo("succeeded");
        assertThat(ex.get(2)).isEqualTo(guestSha);
        // an extraction reports bytes of the file's size (the route's job, and its row's bar and text)
        Jobs.View xv = server.jobs().get(x).orElseThrow();
        assertThat(List.of(xv.bytes(), xv.total())).containsExactly(300_000L, 300_000L);
        assertThat(ex.get(1)).isEqualTo("100");
        assertThat(ex.get(3)).contains("293.0 KiB of 293.0 KiB");
        browser.screenshot("evidence-jobs");
    }

    /** {@return the id of the newest job of this kind once its row shows a moving progress bar} */
    private static String runningJob(String kind) {
        return browser.await(WAIT, "a running " + kind, d -> d.findElements(By.cssSelector("#jobs-table tr[data-state='running']")).stream()
                .map(r -> r.getAttribute("data-id")).filter(id -> server.jobs().get(id).map(j -> j.kind().equals(kind)).orElse(false))
                .findFirst().orElse(null));
    }

    /** {@return state, progress value, SHA-256 cell and text of a job's row once it has finished} */
    private static List<String> finishedRow(String id, Duration d) {
        return browser.await(d, "job " + id + " done", x -> x.findElements(By.cssSelector("#jobs-table tr[data-id='" + id + "']")).stream()
                .filter(r -> !"running".equals(r.getAttribute("data-state"))).findFirst()
                .map(r -> List.of(r.getAttribute("data-state"), r.findElement(By.cssSelector("progress")).getAttribute("value"),
                        r.findElement(By.cssSelector("td.hash")).getText().strip(), r.getText())).orElse(null));
    }

    /** {@return the guest's own sha256sum of a file} (the console can interleave kernel messages: find the hash line) */
    private static String guestSha(LabGuest g, String path) throws Exception {
        String out = g.shell("sha256sum " + path, Duration.ofSeconds(60));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9a-f]{64})\\s+" + java.util.regex.Pattern.quote(path)).matcher(out);
        assertThat(m.find()).as("sha256sum's answer in: " + out).isTrue();
        return m.group(1);
    }

    @Test @Order(10)
    void casesAreOpenedGiveAlertsAndEvidenceATimelineAndExportAVerifiedBundle(LabGuest g) throws Exception {
        start(g);
        assertThat(dropperAlert).as("test 5 saw the dropper's alert").isNotNull();
        browser.go("#/cases");
        browser.await(By.id("case-title"), WAIT).sendKeys("console-it: dropper in /tmp");
        browser.driver.findElement(By.id("case-description")).sendKeys("opened from the browser test");
        browser.driver.findElement(By.id("case-create")).click();
        String caseId = browser.await(WAIT, "the new case's page", d -> {
            String h = (String) d.executeScript("return location.hash");
            return h.startsWith("#/cases/c-") ? h.substring("#/cases/".length()) : null;
        });
        browser.await(By.id("case-facts"), WAIT);
        browser.await(WAIT, "the VM choice", d -> new Select(d.findElement(By.id("case-vm"))).getOptions().stream()
                .anyMatch(o -> o.getAttribute("value").equals(g.name())));
        new Select(browser.driver.findElement(By.id("case-vm"))).selectByValue(g.name());
        browser.driver.findElement(By.id("case-vm-add")).click();
        browser.await(WAIT, "the VM in the case", d -> d.findElement(By.id("case-facts")).getText().contains(g.name()));

        // the alert, assigned to the case from its detail in the queue
        browser.go("#/alerts");
        By row = By.cssSelector("#alerts-table tr[data-id='" + dropperAlert + "']");
        browser.await(WAIT, "the detail", d -> {
            d.findElement(row).click();
            return d.findElement(By.id("alert-detail")).isDisplayed();
        });
        browser.await(WAIT, "the case choice", d -> new Select(d.findElement(By.id("alert-case"))).getOptions().stream()
                .anyMatch(o -> o.getAttribute("value").equals(caseId)));
        new Select(browser.driver.findElement(By.id("alert-case"))).selectByValue(caseId);
        browser.driver.findElement(By.id("alert-case-add")).click();
        browser.await(WAIT, "added", d -> d.findElement(By.id("alert-case-msg")).getText().contains("added to"));

        browser.go("#/cases/" + caseId);
        browser.await(By.cssSelector("#case-alerts tr[data-id='" + dropperAlert + "']"), WAIT);
        // the timeline of the case's VM: its events and the alert on one axis
        String timeline = browser.await(WAIT, "the case's timeline", d -> {
            String t = d.findElement(By.id("case-timeline")).getText();
            return t.contains("Temporary Folder") && t.toUpperCase().contains("ALERT") ? t : null;
        });
        assertThat(timeline.toUpperCase()).contains("EVENT");
        browser.screenshot("case");

        // the case the response opened on its own holds the alert's automatic evidence; export it and check it offline
        String auto = server.evidence().cases().ofAlert(dropperAlert).stream().map(io.chirp.evidence.store.Cases.Case::id)
                .filter(id -> !id.equals(caseId)).findFirst().orElseThrow();
        browser.go("#/cases");
        browser.await(By.cssSelector("#cases-table tr[data-id='" + auto + "']"), WAIT).click();
        browser.await(By.cssSelector("#case-artifacts tr[data-kind='process-maps']"), WAIT);
        assertThat(browser.driver.findElement(By.id("case-artifacts")).getText()).containsIgnoringCase("automatic");
        browser.screenshot("case-automatic");
        browser.driver.findElement(By.id("case-export")).click();
        Path bundle = browser.download(auto + ".zip", WAIT);
        io.chirp.evidence.bundle.BundleVerifier.Report report = io.chirp.evidence.bundle.BundleVerifier.verify(bundle);
        assertThat(report.problems()).as("what chirp evidence verify checks").isEmpty();
        assertThat(report.caseId()).isEqualTo(auto);
        assertThat(report.artifacts()).isPositive();
    }

    @Test @Order(11)
    void theTimelineLoadsOlderEventsPageByPage(LabGuest g) throws Exception {
        start(g);
        // the store holds more events than the page's first load (5,000): OLD_EVENTS a day old (start()), then the guest's
        browser.go("#/fleet");
        browser.await(By.id("fleet-table"), WAIT);
        browser.go("#/timeline");
        WebElement older = browser.await(By.id("tl-older"), WAIT);
        assertThat(browser.driver.findElement(By.id("tl-status")).getText()).contains("older events in the store");
        browser.driver.findElement(By.id("tl-text")).sendKeys("paged-old-000");
        browser.await(WAIT, "the oldest not loaded yet", d -> d.findElement(By.id("timeline-table")).getText().contains("nothing to show"));
        // older pages on demand, until the store has none older
        browser.await(Duration.ofMinutes(2), "every page loaded", d -> {
            List<WebElement> b = d.findElements(By.id("tl-older"));
            if (b.isEmpty() || !b.getFirst().isDisplayed()) return true;
            if (b.getFirst().isEnabled()) b.getFirst().click();
            return null;
        });
        List<String> rows = browser.await(WAIT, "the oldest ten", d -> {
            List<String> r = d.findElements(By.cssSelector("#timeline-table tbody tr")).stream().map(WebElement::getText).toList();
            return r.size() == 10 ? r : null;
        });
        // each once, newest first
        for (int i = 0; i < 10; i++) assertThat(rows.get(i)).contains(String.format("paged-old-%04d", 9 - i));
        assertThat(browser.driver.findElement(By.id("tl-status")).getText()).contains("every stored event");
        browser.screenshot("timeline-older");
    }

    @Test @Order(20)
    void aViewerIsNotOfferedCollectionAndForgedRequestsAreRefused(LabGuest g) throws Exception {
        start(g);
        String acquire = "{\"vm\":\"" + g.name() + "\"}";
        // the analyst's own cookie without the CSRF token: what a forged cross-site request would carry at best
        Object noToken = browser.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/jobs/acquisitions', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: arguments[0]})"
                + ".then(r => done(r.status), e => done(String(e)))", acquire);
        assertThat(noToken).isEqualTo(403L);
        browser.signOut();
        browser.signIn("vic", PASSWORD);
        browser.go("#/evidence/" + g.name());
        browser.await(By.id("jobs-table"), WAIT);
        assertThat(browser.all(By.id("acquire-memory"))).as("no acquire button for a viewer").isEmpty();
        assertThat(browser.all(By.cssSelector("#jobs-table button.cancel"))).isEmpty();
        browser.screenshot("evidence-viewer");
        browser.go("#/alerts");
        browser.await(By.id("alerts-table"), WAIT);
        assertThat(browser.all(By.cssSelector("#alerts-table button.ack"))).as("no acknowledge button for a viewer").isEmpty();
        // and the server refuses anyway: the viewer's cookie with its own valid CSRF token
        Object forged = browser.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/session').then(r => r.json()).then(s => fetch('/api/jobs/acquisitions', {method: 'POST',"
                + " headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf}, body: arguments[0]}))"
                + ".then(r => done(r.status), e => done(String(e)))", acquire);
        assertThat(forged).isEqualTo(403L);
        assertThat(server.jobs().list()).as("only the analyst's jobs").noneMatch(j -> "vic".equals(j.owner()));
    }
}
