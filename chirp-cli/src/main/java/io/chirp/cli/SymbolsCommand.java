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

import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
            try (LinuxSession s = LinuxSession.open(target); EvidenceWriter w = EvidenceWriter.create(output)) {
                LinuxKernel k = s.kernel();
                IsfWriter.Export export = IsfWriter.write(w.outputStream(), k.info(), k.memory());
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("isf_format", IsfWriter.FORMAT);
                details.put("symbols", k.symbols().count());
                details.put("types", k.types().count());
                details.put("banner", k.info().banner().strip());
                details.put("virt_slide", "0x" + Long.toHexString(k.info().virtSlide()));
                List<String> notes = new java.util.ArrayList<>(
                        List.of("symbols from the guest's own kallsyms, types from its BTF and a checked table of data symbols"));
                export.warnings().forEach(x -> notes.add("left out: " + x));
                EvidenceManifest m = w.commit(new EvidenceWriter.Description("isf-symbols", "ISF_JSON",
                        EvidenceSources.of(s.target()), "export", true, notes, details));
                spec.commandLine().getOut().printf("wrote %s: %d symbols, %d types, banner %s%n", output,
                        k.symbols().count(), k.types().count(), Table.escape(k.info().banner().strip()));
                spec.commandLine().getOut().printf("sha256 %s, manifest %s%n", m.sha256(), EvidenceManifest.pathFor(output));
                spec.commandLine().getOut().flush();
                for (String x : export.warnings()) spec.commandLine().getErr().println("chirp: warning: " + Table.escape(x));
                spec.commandLine().getErr().flush();
                // some data symbols were left without a type
                return export.warnings().isEmpty() ? ExitCode.OK.code() : ExitCode.PARTIAL.code();
            } catch (IOException e) {
                throw ChirpException.io("cannot write " + output + ": " + e.getMessage(), e);
            }
        }
    }
}
