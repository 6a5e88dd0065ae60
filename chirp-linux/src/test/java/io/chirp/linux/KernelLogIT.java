package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.log.KernelLog;
import io.chirp.linux.log.LogRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Fills the guest's log until the ring wraps (harmless to the other tests: none depends on old log records). */
@WithLabGuest
class KernelLogIT {
    private static final Pattern LINE = Pattern.compile("^\\[\\s*\\d+\\.\\d{6}] .*");

    @Test
    void logMatchesDmesgBeforeAndAfterTheRingWraps(LabGuest g) {
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            KernelLog log = new KernelLog(k);

            GuestShell.run(g, "echo '<6>chirp-marker-one' > /dev/kmsg", Duration.ofSeconds(60));
            KernelLog.Listing before = compare(g, log);
            // A shared guest's log may have wrapped already (the extension can hand out the shared guest).
            if (before.records().getFirst().seq() == 0) {
                assertThat(before.records().getFirst().text()).startsWith("Linux version ");
            }
            LogRecord marker = before.records().stream().filter(r -> r.text().equals("chirp-marker-one")).findFirst()
                    .orElseThrow();
            assertThat(marker.level()).isEqualTo(6);
            assertThat(marker.facility()).isEqualTo(1); // written through /dev/kmsg: LOG_USER

            // About 400 KiB of debug-level lines (not echoed on the console): more than the text ring holds.
            GuestShell.run(g, "i=0; while [ $i -lt 3500 ]; do echo \"<7>chirp-fill-$i-"
                    + "x".repeat(90) + "\" > /dev/kmsg; i=$((i+1)); done", Duration.ofMinutes(5));
            KernelLog.Listing after = compare(g, log);
            assertThat(after.records().getFirst().seq()).as("the oldest records were overwritten")
                    .isGreaterThan(before.records().getFirst().seq());
            assertThat(after.records()).noneMatch(r -> r.text().equals("chirp-marker-one"));
            assertThat(after.records().getLast().text()).startsWith("chirp-fill-3499-");
        }
    }

    /** Reads dmesg in the guest, then the ring from outside: dmesg's lines must appear, in order, in ours. */
    private static KernelLog.Listing compare(LabGuest g, KernelLog log) {
        // Our text is the guest's bytes decoded as guest strings (a backslash doubled, as in "ACPI: \\_SB_"): so is dmesg's
        List<String> expected = GuestShell.run(g, "dmesg", Duration.ofMinutes(3)).lines()
                .filter(l -> LINE.matcher(l).matches())
                .map(l -> KernelReader.decode(l.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))).toList();
        KernelLog.Listing l = log.read();
        assertThat(l.complete()).as(l.problem()).isTrue();
        List<String> ours = l.records().stream().flatMap(r -> r.dmesgLines().stream()).toList();
        assertThat(expected).hasSizeGreaterThan(100);
        int from = ours.indexOf(expected.getFirst());
        assertThat(from).as("dmesg's first line %s is in our log", expected.getFirst()).isNotNegative();
        assertThat(ours.subList(from, Math.min(ours.size(), from + expected.size()))).isEqualTo(expected);
        for (int i = 1; i < l.records().size(); i++) {
            assertThat(l.records().get(i).seq()).isEqualTo(l.records().get(i - 1).seq() + 1);
        }
        return l;
    }
}
