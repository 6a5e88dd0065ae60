package io.chirp.cli;

import io.chirp.cli.linux.LinuxSession;
import io.chirp.core.ChirpException;
import io.chirp.linux.LinuxKernel;
import io.chirp.symbols.isf.IsfWriter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;

/** {@code chirp symbols}: what CHIRP learned about a kernel, in formats other tools read. */
@Command(name = "symbols", description = "Kernel symbols and types recovered from guest memory.",
        subcommands = SymbolsCommand.ExportIsf.class)
final class SymbolsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    @Command(name = "export-isf", description = "Write a Volatility 3 ISF (JSON) built from the guest's own kallsyms and BTF.")
    static final class ExportIsf implements Callable<Integer> {
        @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "the .json file to write")
        Path output;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            if (Files.exists(output)) throw ChirpException.usage(output + " exists; refusing to overwrite");
            try (LinuxSession s = LinuxSession.open(target)) {
                LinuxKernel k = s.kernel();
                Path partial = output.resolveSibling(output.getFileName() + ".partial");
                IsfWriter.Export export;
                try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW)) {
                    export = IsfWriter.write(out, k.info(), k.memory());
                }
                Files.move(partial, output);
                spec.commandLine().getOut().printf("wrote %s: %d symbols, %d types, banner %s%n", output,
                        k.symbols().count(), k.types().count(), Table.escape(k.info().banner().strip()));
                spec.commandLine().getOut().flush();
                for (String w : export.warnings()) spec.commandLine().getErr().println("chirp: warning: " + w);
                spec.commandLine().getErr().flush();
                return export.warnings().isEmpty() ? 0 : 4; // ExitCode.PARTIAL: some symbols have no type

            } catch (IOException e) {
                throw ChirpException.io("cannot write " + output + ": " + e.getMessage(), e);
            }
        }
    }
}
