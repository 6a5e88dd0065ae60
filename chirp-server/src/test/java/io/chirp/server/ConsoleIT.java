package io.chirp.server;

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

    private static synchronized void start(LabGuest g) throws Exception {
        if (server != null) return;
        home = Files.createTempDirectory("chirp-console-it");
        server = ChirpServer.start(ServerConfig.defaults(home).withPort(0).withVms(List.of(g.name()))
                .withInterval(Duration.ofMillis(500)));
        server.credentials().addUser("ann", Role.ANALYST, PASSWORD.toCharArray());
        server.credentials().addUser("vic", Role.VIEWER, PASSWORD.toCharArray());
        browser = new Browser(server.uri());
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
        System.out.printf("console: guest action to its alert in the browser: %d ms%n", Duration.ofNanos(System.nanoTime() - t0).toMillis());
        assertThat(browser.driver.executeScript("return window.__sameDocument === true")).as("no reload").isEqualTo(true);
        assertThat(rowClass).contains(g.name()).startsWith("new");
        // the queue redraws as alerts arrive (and to keep its times fresh): each click finds the row again
        browser.await(WAIT, "the detail", d -> {
            d.findElement(dropper).click();
            return d.findElement(By.id("alert-detail")).isDisplayed();
        });
        assertThat(browser.driver.findElement(By.id("alert-detail")).getText()).contains("Temporary Folder").containsIgnoringCase("matched event");
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
        browser.await(WAIT, "events", d -> d.findElements(By.cssSelector("#timeline-table tbody tr")).size() > 3);
        assertThat(browser.driver.executeScript("return !!(window.Chart && Chart.getChart('tl-chart'))")).as("Chart.js drew the chart").isEqualTo(true);
        browser.screenshot("timeline");
        new Select(browser.driver.findElement(By.id("tl-class"))).selectByValue("detection");
        browser.await(WAIT, "only detections", d -> {
            List<WebElement> rows = d.findElements(By.cssSelector("#timeline-table tbody tr"));
            return !rows.isEmpty() && rows.stream().allMatch(r -> r.getText().toLowerCase().contains("detection"));
        });
        browser.driver.findElement(By.id("tl-text")).sendKeys("Temporary Folder");
        browser.await(WAIT, "the text filter", d -> d.findElements(By.cssSelector("#timeline-table tbody tr")).stream()
                .allMatch(r -> r.getText().contains("Temporary Folder")));
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
        assertThat(server.jobs().list()).as("only the analyst's job").hasSize(1);
    }
}
