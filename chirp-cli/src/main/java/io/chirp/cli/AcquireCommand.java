package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.Target;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.acquire.AcquisitionManifest;
import io.chirp.memory.acquire.AcquisitionRequest;
import io.chirp.memory.acquire.MemoryAcquirer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code chirp acquire}: a hashed memory image of a running VM (or a converted copy of an image). */
@Command(name = "acquire", mixinStandardHelpOptions = true,
        description = {"Acquire the full memory of a VM to an ELF core or LiME image, hashed, with FILE.manifest.json.",
                "The image is written as FILE.partial and renamed when whole; a paused guest is resumed on every exit"
                        + " (Ctrl-C, SIGTERM; after SIGKILL a guardian process does it)."})
final class AcquireCommand implements Callable<Integer> {
    enum Format { elf, lime }

    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "the image to write (never overwritten; FILE.manifest.json goes beside it); or --store") Path output;
    @picocli.CommandLine.Mixin StoreOptions store;
    @Option(names = "--format", defaultValue = "elf", description = "elf (QEMU dump layout, with vCPU notes) or lime")
    Format format;
    @Option(names = "--consistent", description = "one instant: pause the VM for the whole copy (the pause is recorded)")
    boolean consistent;
    @Option(names = "--migration", description = "one instant with a pause of milliseconds, through QEMU live migration")
    boolean migration;
    @Option(names = "--quiet", description = "no progress bar") boolean quiet;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        if ((output == null) == !store.enabled()) throw ChirpException.usage("give -o FILE or --store (one of them)");
        if (!store.enabled()) return acquire(output);
        int[] rc = {0};
        String base = target.choice.vm != null ? target.choice.vm : target.choice.image.getFileName().toString();
        String name = base.replaceAll("[^A-Za-z0-9._+-]", "_") + "." + (format == Format.elf ? "elf" : "lime");
        store.collect(folder -> rc[0] = acquire(folder.resolve(name)), spec.commandLine().getErr());
        return rc[0];
    }

    private int acquire(Path output) {
        PrintWriter err = spec.commandLine().getErr();
        ImageFormat f = format == Format.elf ? ImageFormat.ELF_CORE : ImageFormat.LIME;
        ProgressBar bar = new ProgressBar(err, quiet);
        AcquisitionManifest m;
        try (Target t = target.open()) {
            switch (t) {
                case Target.Live live -> {
                    if (consistent && migration) throw ChirpException.usage("choose --consistent or --migration");
                    VmAcquisition.Mode mode = migration ? VmAcquisition.Mode.MIGRATION
                            : consistent ? VmAcquisition.Mode.CONSISTENT : VmAcquisition.Mode.LIVE;
                    if (migration) err.println("streaming RAM through QEMU live migration (the guest keeps running)...");
                    VmAcquisition.Result r = live.vm().acquire(output, f, mode, bar);
                    m = r.manifest();
                    bar.done();
                    if (consistent || migration) err.printf("guest paused for %.1f ms (QEMU's STOP..RESUME)%n", r.qemuPauseMicros() / 1000.0);
                    else err.printf("guest not paused (%d STOP events during the copy); the image may be smeared%n",
                            r.stopEvents());
                }
                case Target.Image img -> {
                    if (consistent || migration) throw ChirpException.usage("--consistent and --migration apply to running VMs");
                    AcquisitionRequest req = AcquisitionRequest.of(f).withVm(img.name(), java.util.Map.of("source_image",
                            img.image().file().toString())).withSource("image", "convert").withProgress(bar);
                    if (f == ImageFormat.ELF_CORE) req = req.withCpus(img.cpus());
                    m = MemoryAcquirer.acquire(img.memory(), output, req);
                    bar.done();
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("image     %s%n", store.enabled() ? m.image() : output);
        out.printf("format    %s%n", m.format());
        out.printf("size      %d bytes%n", m.size());
        out.printf("sha256    %s%n", m.sha256());
        out.printf("copy      %.2f s (%s)%n", m.copyNanos() / 1e9, m.mode());
        if (!store.enabled()) out.printf("manifest  %s%n", MemoryAcquirer.manifestPath(output));
        out.flush();
        for (String n : m.notes()) err.println("note: " + n);
        if (!m.complete()) {
            err.println("chirp: warning: the image is INCOMPLETE (its manifest says \"complete\": false); see the notes");
            err.flush();
            return ExitCode.PARTIAL.code();
        }
        err.flush();
        return 0;
    }

    /** A progress bar on stderr, redrawn at most five times a second. */
    static final class ProgressBar implements AcquisitionRequest.Progress {
        private final PrintWriter err;
        private final boolean quiet;
        private final long start = System.nanoTime();
        private long last;

        ProgressBar(PrintWriter err, boolean quiet) {
            this.err = err;
            this.quiet = quiet;
        }

        @Override public void update(long done, long total) {
            long now = System.nanoTime();
            if (quiet || (now - last < 200_000_000L && done < total)) return;
            last = now;
            int width = 30;
            int fill = total == 0 ? width : (int) (width * done / total);
            double secs = Math.max(1e-9, (now - start) / 1e9);
            err.printf("\r[%s%s] %3d%% %d/%d MiB %.0f MiB/s", "#".repeat(fill), " ".repeat(width - fill),
                    total == 0 ? 100 : done * 100 / total, done >> 20, total >> 20, (done >> 20) / secs);
            err.flush();
        }

        void done() {
            if (!quiet) {
                err.println();
                err.flush();
            }
        }
    }
}
