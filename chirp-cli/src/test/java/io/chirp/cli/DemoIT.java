package io.chirp.cli;

import io.chirp.server.Browser;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's first command, {@code chirp demo}, end to end on a real lab guest: the platform, and {@code --cli}. */
class DemoIT {
    private static final Duration WAIT = Duration.ofMinutes(3);

    @Test
    void demoRunsThePlatformAndItsConsoleShowsTheStagedIntrusion() throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        AtomicInteger rc = new AtomicInteger(-1);
        Thread demo = Thread.ofPlatform().name("demo").start(() -> rc.set(Main.run(new String[] {"demo", "--port", "0", "--duration", "6m"},
                new PrintWriter(out, true), new PrintWriter(err, true))));
        Pattern url = Pattern.compile("console +(http://127\\.0\\.0\\.1:\\d+)/");
        Pattern pw = Pattern.compile("password +(\\S+)");
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        Matcher m = url.matcher("");
        while (System.nanoTime() < deadline && demo.isAlive() && !(m = url.matcher(out.toString())).find()) Thread.sleep(500);
        assertThat(m.find(0)).as("the console URL is printed\n" + out + "\n" + err).isTrue();
        URI base = URI.create(m.group(1));
        Matcher p = pw.matcher(out.toString());
        assertThat(p.find()).isTrue();
        assertThat(out.toString()).contains("user      demo");
        String vm = err.toString().lines().filter(l -> l.contains("guest ") && l.contains(" up in ")).findFirst().orElseThrow()
                .strip().split(" ")[1];
        try (Browser b = new Browser(base)) {
            b.signIn("demo", p.group(1));
            b.await(By.cssSelector("#fleet-table tr[data-vm='" + vm + "']"), WAIT);
            b.go("#/vm/" + vm + "/processes");
            b.await(WAIT, "the staged miner, masquerading", d -> d.findElements(By.cssSelector("#proc-table tbody tr")).stream()
                    .anyMatch(r -> r.getText().contains("evil_miner") && r.getText().toLowerCase().contains("masquerade")));
            b.screenshot("demo-processes");
            // the staged dropper's alert arrives in the queue while the console is open
            b.go("#/alerts");
            b.await(WAIT, "the dropper's alert", d -> d.findElements(By.cssSelector("#alerts-table tbody tr")).stream()
                    .anyMatch(r -> r.getText().contains("Temporary Folder") && r.getText().contains(vm)));
            b.screenshot("demo-alerts");
        } finally {
            demo.interrupt(); // the demo waits on a latch: interrupting ends it as Ctrl-C's hook would not in a test JVM
            demo.join(Duration.ofMinutes(2));
        }
        assertThat(demo.isAlive()).as("the demo stopped").isFalse();
    }

    @Test
    void demoCliShowsTheStagedIntrusionFromOutside() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.run(new String[] {"demo", "--cli"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(rc).as(err.toString()).isZero();
        String o = out.toString();
        assertThat(o).contains("shared_ram", "evil_miner", "sleep 100000", "4444", "kworkerd", "ext4",
                "runs as 'evil_miner' but calls itself 'sleep'", "runs from a temporary folder");
        assertThat(err.toString()).contains("guest paused for");
        assertThat(o).contains("image and manifest kept in");
        String dir = o.substring(o.indexOf("image and manifest kept in ") + 27).lines().findFirst().orElseThrow().strip();
        try (var files = java.nio.file.Files.walk(java.nio.file.Path.of(dir))) {
            for (var f : files.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(f);
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot clean up " + dir, e);
        }
    }
}
