package io.chirp.cli;

import io.chirp.core.ChirpVersion;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Walks the whole command tree from {@link Main}: every command, including ones added later, must answer
 * {@code --help}, {@code -h} and {@code --version}, and say what it and each of its options are for.
 */
class CommandTreeTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Run(code, o.toString(), e.toString());
    }

    /** Every command's path below the root ("" for chirp itself, "linux pslist", ...). */
    static List<CommandLine> commands() {
        List<CommandLine> all = new ArrayList<>();
        Main.forEach(Main.commandLine(), all::add);
        return all;
    }

    static String[] args(CommandLine c, String... more) {
        String p = Main.path(c);
        List<String> a = new ArrayList<>(p.isEmpty() ? List.of() : Arrays.asList(p.split(" ")));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void theTreeIsWalked() {
        List<String> paths = commands().stream().map(Main::path).toList();
        assertThat(paths).contains("", "linux pslist", "linux check", "lab truth", "disk ls", "help", "net flows");
    }

    @TestFactory
    Stream<DynamicTest> helpAndVersionWorkEverywhere() {
        return commands().stream().map(c -> DynamicTest.dynamicTest("chirp " + Main.path(c), () -> {
            String usage = "Usage: " + c.getCommandSpec().qualifiedName(" ");
            for (String flag : List.of("--help", "-h")) {
                Run r = run(args(c, flag));
                assertThat(r.code()).as(flag + ": " + r.err()).isZero();
                assertThat(r.out()).as(flag).startsWith(usage);
                assertThat(r.err()).as(flag).isEmpty();
            }
            Run v = run(args(c, "--version"));
            assertThat(v.code()).as(v.err()).isZero();
            assertThat(v.out().strip()).isEqualTo(ChirpVersion.current().describe());
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyCommandAndOptionSaysWhatItIsFor() {
        return commands().stream().map(c -> DynamicTest.dynamicTest("chirp " + Main.path(c), () -> {
            var spec = c.getCommandSpec();
            assertThat(String.join(" ", spec.usageMessage().description())).as("description of the command").isNotBlank();
            List<ArgSpec> args = new ArrayList<>(spec.options());
            args.addAll(spec.positionalParameters());
            List<String> undescribed = args.stream().filter(a -> String.join(" ", a.description()).isBlank())
                    .map(a -> a instanceof CommandLine.Model.OptionSpec o ? o.longestName() : a.paramLabel()).toList();
            assertThat(undescribed).as("options and parameters without a description").isEmpty();
        }));
    }

    @Test
    void helpFollowsTheWholePath() {
        Run help = run("help", "linux", "pslist");
        assertThat(help.code()).as(help.err()).isZero();
        assertThat(help.out()).startsWith("Usage: chirp linux pslist").isEqualTo(run("linux", "pslist", "--help").out());
        assertThat(run("help", "lab", "truth").out()).isEqualTo(run("lab", "truth", "-h").out());
        assertThat(run("help").out()).isEqualTo(run("--help").out());
        Run bad = run("help", "linux", "nosuch");
        assertThat(bad.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("Unknown command: 'nosuch'", "pslist");
    }

    @Test
    void usageErrorsExitTwo() {
        Run r = run("linux", "pslist", "--bogus");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--bogus'");
        assertThat(run("nosuch").code()).isEqualTo(2);
    }
}
