package io.chirp.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's first command, {@code chirp demo}, end to end on a real lab guest. */
class DemoIT {
    @Test
    void demoShowsTheStagedIntrusionFromOutside() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.run(new String[] {"demo"}, new PrintWriter(out, true), new PrintWriter(err, true));
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
