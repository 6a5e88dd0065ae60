package io.chirp.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Main#commandLine(String[])} builds only the branch a call names, and the whole tree otherwise. */
class MainBranchTest {
    @Test
    void aCallNamingACommandGetsOnlyThatBranch() {
        assertThat(Main.commandLine(new String[] {"-v", "linux", "pslist", "--image", "x"}).getSubcommands().keySet())
                .containsExactly("linux");
        assertThat(Main.commandLine(new String[] {"linux"}).getSubcommands().get("linux").getSubcommands())
                .containsKey("pslist").containsKey("check");
        assertThat(Main.commandLine(new String[] {"linux", "-v", "pslist", "--image", "x"}).getSubcommands().get("linux")
                .getSubcommands().keySet()).containsExactly("pslist");
        assertThat(Main.commandLine(new String[] {"linux", "bogus"}).getSubcommands().get("linux").getSubcommands())
                .containsKey("pslist").containsKey("check");
    }

    @Test
    void aPrunedBranchAnswersLikeTheWholeTree() {
        for (String[] args : new String[][] {{"linux", "pslist", "--help"}, {"linux", "pslist", "--version"},
                {"linux", "pslist"}, {"linux", "pslist", "--image", "/no/such.elf"}, {"linux", "pslist", "--bogus"}}) {
            StringWriter out = new StringWriter(), err = new StringWriter();
            int rc = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
            StringWriter out2 = new StringWriter(), err2 = new StringWriter();
            var full = Main.commandLine();
            full.setOut(new PrintWriter(out2, true)).setErr(new PrintWriter(err2, true));
            int rc2 = full.execute(args);
            assertThat(rc).as(String.join(" ", args)).isEqualTo(rc2);
            assertThat(out.toString()).as(String.join(" ", args)).isEqualTo(out2.toString());
            assertThat(err.toString()).as(String.join(" ", args)).isEqualTo(err2.toString());
        }
    }

    @Test
    void helpUsageAndUnknownCommandsGetTheWholeTree() {
        int all = Main.COMMANDS.size();
        assertThat(Main.commandLine(new String[0]).getSubcommands()).hasSize(all);
        assertThat(Main.commandLine(new String[] {"help", "linux", "pslist"}).getSubcommands()).hasSize(all);
        assertThat(Main.commandLine(new String[] {"--help"}).getSubcommands()).hasSize(all);
        assertThat(Main.commandLine(new String[] {"bogus"}).getSubcommands()).hasSize(all);
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.run(new String[] {"bogus"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(rc).isEqualTo(ExitCode.USAGE.code());
        assertThat(err.toString()).contains("bogus");
    }

    @Test
    void theRootOptionIsInheritedByALateAddedBranch() {
        var pslist = Main.commandLine(new String[] {"linux", "pslist"}).getSubcommands().get("linux")
                .getSubcommands().get("pslist");
        assertThat(pslist.getCommandSpec().findOption("--verbose")).isNotNull();
    }
}
