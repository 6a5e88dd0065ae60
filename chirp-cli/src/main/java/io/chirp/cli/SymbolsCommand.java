package io.chirp.cli;

import io.chirp.cli.linux.LinuxSession;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.tables.SymbolExport;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code chirp symbols}: what CHIRP learned about a kernel, in formats other tools read. */
@Command(name = "symbols", mixinStandardHelpOptions = true, description = "Kernel symbols and types recovered from guest memory.",
        subcommands = SymbolsCommand.ExportIsf.class)
final class SymbolsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    @Command(name = "export-isf", mixinStandardHelpOptions = true, description = "Write a Volatility 3 ISF (JSON) built from the guest's own kallsyms and BTF.")
    static final class ExportIsf implements Callable<Integer> {
        @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "the .json file to write (never overwritten; FILE.manifest.json beside it)")
        Path output;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            try (LinuxSession s = LinuxSession.open(target)) {
                SymbolExport.Exported x = SymbolExport.isf(s.target(), s.kernel(), output);
                spec.commandLine().getOut().printf("wrote %s: %d symbols, %d types, banner %s%n", output,
                        x.symbols(), x.types(), Table.escape(x.banner()));
                spec.commandLine().getOut().printf("sha256 %s, manifest %s%n", x.manifest().sha256(), EvidenceManifest.pathFor(output));
                spec.commandLine().getOut().flush();
                for (String w : x.warnings()) spec.commandLine().getErr().println("chirp: warning: " + Table.escape(w));
                spec.commandLine().getErr().flush();
                // some data symbols were left without a type
                return x.warnings().isEmpty() ? ExitCode.OK.code() : ExitCode.PARTIAL.code();
            }
        }
    }
}
