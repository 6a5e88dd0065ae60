package io.chirp.tables;

import io.chirp.core.ChirpException;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.hypervisor.Target;
import io.chirp.linux.LinuxKernel;
import io.chirp.symbols.isf.IsfWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code symbols export-isf}: a Volatility 3 ISF built from the guest's own kallsyms and BTF, written as evidence
 * (partial file, SHA-256, manifest) by the CLI and by the server's export job alike.
 */
public final class SymbolExport {
    private SymbolExport() {}

    /**
     * An export's outcome.
     *
     * @param manifest the evidence manifest (file, hash)
     * @param warnings data symbols left without a type (the export is still usable)
     */
    public record Exported(Path file, EvidenceManifest manifest, int symbols, int types, String banner, List<String> warnings) {}

    /** Writes the ISF of {@code k} (read through {@code t}) to {@code output}, never over an existing file. */
    public static Exported isf(Target t, LinuxKernel k, Path output) { return isf(t, k, output, IsfWriter.Cancel.NEVER); }

    /**
     * {@link #isf(Target, LinuxKernel, Path)} that stops once {@code cancel} is set (a server job): between types,
     * symbols and output chunks; the partial file is then removed and nothing is committed.
     */
    public static Exported isf(Target t, LinuxKernel k, Path output, IsfWriter.Cancel cancel) {
        try (EvidenceWriter w = EvidenceWriter.create(output)) {
            IsfWriter.Export export = IsfWriter.write(w.outputStream(), k.info(), k.memory(), cancel);
            cancel.check();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("isf_format", IsfWriter.FORMAT);
            details.put("symbols", k.symbols().count());
            details.put("types", k.types().count());
            details.put("banner", k.info().banner().strip());
            details.put("virt_slide", "0x" + Long.toHexString(k.info().virtSlide()));
            List<String> notes = new ArrayList<>(
                    List.of("symbols from the guest's own kallsyms, types from its BTF and a checked table of data symbols"));
            export.warnings().forEach(x -> notes.add("left out: " + x));
            EvidenceManifest m = w.commit(new EvidenceWriter.Description("isf-symbols", "ISF_JSON", source(t), "export",
                    true, notes, details));
            return new Exported(output, m, (int) k.symbols().count(), (int) k.types().count(), k.info().banner().strip(),
                    export.warnings());
        } catch (IOException e) {
            throw ChirpException.io("cannot write " + output + ": " + e.getMessage(), e);
        }
    }

    /** {@return the VM or image a target reads, as an evidence manifest names it} */
    public static EvidenceManifest.Source source(Target t) {
        Map<String, String> id = new LinkedHashMap<>();
        return switch (t) {
            case Target.Live live -> {
                id.putAll(live.vm().evidenceIdentity());
                id.remove("backend");
                yield new EvidenceManifest.Source(live.vm().identity().name(), live.vm().memoryPath(), id);
            }
            case Target.Image img -> {
                id.put("image", img.image().file().toAbsolutePath().toString());
                id.put("image_format", img.image().format().name());
                yield new EvidenceManifest.Source(img.name(), "image", id);
            }
        };
    }
}
