package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.mm.ShellHistory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shell history out of the heap of an interactive busybox ash and an interactive bash (scenario kobjects: each typed
 * the same commands on a pty, then {@code history}), held to each shell's own {@code history} answer in the guest's
 * ground truth: the same commands in the same order, and bash's times to the second.
 */
@WithLabGuest(scenario = "kobjects")
class ShellHistoryIT {

    private static List<ShellHistory.Command> recovered(LinuxKernel k, String comm, ShellHistory.Source source) {
        List<ShellHistory.Command> out = new ArrayList<>();
        ShellHistory sh = new ShellHistory(k);
        for (LinuxProcess p : new Processes(k).list(false, false).processes()) {
            if (!p.comm().equals(comm) || !ShellHistory.isShell(p)) continue;
            ShellHistory.Listing l = sh.of(p);
            // a shell's heap may have pages never touched (not resident): said, not an error
            assertThat(l.problems()).as("pid %d", p.tgid()).allSatisfy(x -> assertThat(x).contains("not resident"));
            l.commands().stream().filter(c -> c.source() == source).forEach(out::add);
        }
        return out;
    }

    @Test
    void busyboxAshAndBashHistoriesAreTheShellsOwn(LabGuest g) {
        GroundTruth t = g.groundTruth();
        List<GroundTruth.ShellCommand> ash = t.shellHistory().stream().filter(c -> c.file().equals("history-ash.out")).toList();
        List<GroundTruth.ShellCommand> bash = t.shellHistory().stream().filter(c -> c.file().equals("history-bash.out")).toList();
        List<String> typed = new ArrayList<>(List.of(Scenario.SHELL_COMMANDS));
        typed.add("history");
        assertThat(ash).extracting(GroundTruth.ShellCommand::command).as("%s", t.section("shell-history")).isEqualTo(typed);
        assertThat(bash).extracting(GroundTruth.ShellCommand::command).isEqualTo(typed);
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());

            List<ShellHistory.Command> fromAsh = recovered(k, "sh", ShellHistory.Source.BUSYBOX_LINEEDIT);
            assertThat(fromAsh).extracting(ShellHistory.Command::command).isEqualTo(typed);
            assertThat(fromAsh).extracting(ShellHistory.Command::index).containsExactly(0, 1, 2, 3);
            assertThat(fromAsh).allSatisfy(c -> assertThat(c.time()).isNull());

            List<ShellHistory.Command> fromBash = recovered(k, "bash", ShellHistory.Source.BASH_HISTORY);
            assertThat(fromBash).extracting(ShellHistory.Command::command).isEqualTo(typed);
            for (int i = 0; i < bash.size(); i++) {
                assertThat(fromBash.get(i).time().getEpochSecond()).as(bash.get(i).command()).isEqualTo(bash.get(i).epoch());
            }
        }
    }
}
