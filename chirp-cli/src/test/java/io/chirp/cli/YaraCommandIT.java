package io.chirp.cli;

import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chirp linux yara} on the standard guest: the beacon's loop in its shell's memory, a module's own name. */
@WithLabGuest
class YaraCommandIT {

    @Test
    void rulesMatchInAProcessAndInKernelModules(LabGuest g, @TempDir Path dir) throws Exception {
        int beacon = g.groundTruth().processes().stream().filter(p -> p.comm().equals("beacon.sh")).findFirst().orElseThrow().pid();
        Path rules = dir.resolve("r.yar");
        Files.writeString(rules, "rule beacon_loop { strings: $l = \"/bin/sleep 5; done\" condition: $l }\n"
                + "rule virtio_net_name { strings: $n = \"virtio_net\" condition: $n }\n");
        CommandTreeTest.Run p = CommandTreeTest.run("linux", "yara", "--vm", g.name(), "--rules", rules.toString(),
                "--pid", Integer.toString(beacon), "--format", "csv");
        assertThat(p.code()).as(p.err()).isEqualTo(ExitCode.FINDINGS.code());
        assertThat(p.out()).contains(beacon + ",beacon.sh,").contains(",beacon_loop,$l");
        assertThat(p.out()).doesNotContain("virtio_net_name");

        CommandTreeTest.Run k = CommandTreeTest.run("linux", "yara", "--vm", g.name(), "--rules", rules.toString(),
                "--kernel", "--format", "csv");
        assertThat(k.code()).as(k.err()).isEqualTo(ExitCode.FINDINGS.code());
        assertThat(k.out()).contains("-1,kernel,module virtio_net,0x").contains(",virtio_net_name,$n");

        Files.writeString(rules, "rule broken { condition: $x }");
        CommandTreeTest.Run bad = CommandTreeTest.run("linux", "yara", "--vm", g.name(), "--rules", rules.toString());
        assertThat(bad.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("do not compile");
    }
}
