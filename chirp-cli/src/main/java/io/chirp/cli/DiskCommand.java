package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.disk.DiskTarget;
import io.chirp.disk.block.BackingPolicy;
import io.chirp.disk.block.ImageFormat;
import io.chirp.disk.acquire.AcquiredDisk;
import io.chirp.disk.acquire.DiskAcquisition;
import io.chirp.disk.fs.BodyFile;
import io.chirp.disk.fs.ExtractedFile;
import io.chirp.disk.fs.Extractor;
import io.chirp.disk.fs.FileSystems;
import io.chirp.disk.fs.FileWalker;
import io.chirp.disk.fs.GuestNames;
import io.chirp.disk.fs.Listing;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.tables.DiskTables;
import io.chirp.tables.Rows;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/**
 * {@code chirp disk ls|timeline|extract|acquire}: files and images of a VM's disk (live, point in time) or an image.
 * Damage met on the way (skipped directory entries, checksum mismatches, files larger than their blocks) is printed
 * as warnings on stderr and makes the exit code 4 (partial): a short listing never looks complete.
 */
@Command(name = "disk", mixinStandardHelpOptions = true, description = "Disks of running VMs (point-in-time, read-only) and disk images.",
        subcommands = {DiskCommand.Ls.class, DiskCommand.Timeline.class, DiskCommand.Extract.class, DiskCommand.Acquire.class})
final class DiskCommand implements Runnable {
    /** Exit code of a result printed but partial (warnings on stderr say why). */
    static final int PARTIAL = ExitCode.PARTIAL.code();

    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    /** {@code --vm NAME | --image FILE}, plus which disk and partition, and how to read an image. */
    static final class Source {
        static final class Choice {
            @Option(names = "--vm", paramLabel = "NAME", description = "a running VM (a QEMU VM's name or pid, or BACKEND:NAME); its disk is fleeced, never written, and read as raw")
            String vm;
            @Option(names = "--image", paramLabel = "FILE", description = "a disk image (raw or qcow2, see --input-format)")
            Path image;
        }

        @ArgGroup(exclusive = true, multiplicity = "1") Choice choice;
        @Option(names = "--connect", paramLabel = "URI", description = "with --vm: the libvirt daemon of the VM (e.g. qemu:///system)")
        String connect;
        @Option(names = "--disk", paramLabel = "NODE", description = "with --vm: block node, device or qdev id (default: the first disk)")
        String disk;
        @Option(names = "--partition", paramLabel = "N", description = "partition number (default: the whole disk, or its first readable partition)")
        Integer partition;
        @Option(names = "--input-format", paramLabel = "FMT", defaultValue = "auto",
                description = "with --image: auto (qcow2 by its magic, else raw), raw or qcow2. A disk taken from a guest is raw: "
                        + "its content is the guest's and may look like qcow2")
        String inputFormat;
        @Option(names = "--backing-dir", paramLabel = "DIR", description = "with --image: follow qcow2 backing files only if their real path "
                + "lies in DIR (repeatable; default: follow none, and refuse an image that names one)")
        List<Path> backingDirs = new ArrayList<>();

        DiskTarget open(PrintWriter err) {
            DiskTarget t;
            if (choice.vm != null) {
                if (!backingDirs.isEmpty() || !inputFormat.equals("auto")) throw ChirpException.usage("--input-format and --backing-dir go with --image");
                t = DiskTarget.vm(choice.vm, Optional.ofNullable(connect), Optional.ofNullable(disk));
            } else {
                if (disk != null) throw ChirpException.usage("--disk goes with --vm");
                ImageFormat f = switch (inputFormat) {
                    case "auto" -> ImageFormat.AUTO;
                    case "raw" -> ImageFormat.RAW;
                    case "qcow2" -> ImageFormat.QCOW2;
                    default -> throw ChirpException.usage("--input-format must be auto, raw or qcow2, not " + inputFormat);
                };
                t = DiskTarget.image(choice.image, f, BackingPolicy.allow(backingDirs));
            }
            for (String n : t.notices()) err.println("chirp: " + n);
            err.flush();
            return t;
        }

        FileSystems.Volume volume(DiskTarget t) {
            return FileSystems.open(t.source(), partition == null ? OptionalInt.empty() : OptionalInt.of(partition));
        }
    }

    /** Prints every problem as a warning; {@return the exit code: 0, or {@link #PARTIAL} when there were any} */
    private static int warn(PrintWriter err, String what, List<String> problems) {
        // problems name guest files already escaped (GuestNames.escape); only stray control characters remain to neutralise
        for (String p : problems) err.println("chirp: warning: " + what + ": " + p.replaceAll("[\\x00-\\x1f\\x7f-\\x9f]", "?"));
        err.flush();
        return problems.isEmpty() ? 0 : PARTIAL;
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List a directory, or with -r every file, with MACB times.")
    static final class Ls implements Callable<Integer> {
        @Mixin Source source;
        @Option(names = "--path", defaultValue = "/", description = "directory to list (default /)") String path;
        @Option(names = {"-r", "--recursive"}, description = "list everything below --path") boolean recursive;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try (DiskTarget target = source.open(err)) {
                Rows rows = DiskTables.ls(source.volume(target).fs(), path, recursive);
                Table.print(rows, spec.commandLine().getOut(), format);
                return warn(err, "partial listing", rows.problems());
            }
        }
    }

    @Command(name = "timeline", mixinStandardHelpOptions = true, description = "Write a Sleuth Kit body file (for mactime) of every file.")
    static final class Timeline implements Callable<Integer> {
        @Mixin Source source;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "body file to write, owner-only (default: standard output)") Path output;
        @Option(names = "--mount-point", defaultValue = "/", description = "prefix for every path (default /)") String mountPoint;
        @Spec CommandSpec spec;

        @Override public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            try (DiskTarget target = source.open(err)) {
                Listing l = FileWalker.walk(source.volume(target).fs());
                if (output == null) {
                    BodyFile.write(l, mountPoint, spec.commandLine().getOut());
                } else {
                    try (EvidenceWriter ew = EvidenceWriter.create(output)) {
                        PrintWriter w = new PrintWriter(new java.io.OutputStreamWriter(ew.outputStream(), StandardCharsets.UTF_8));
                        BodyFile.write(l, mountPoint, w);
                        w.flush();
                        ew.commit(new EvidenceWriter.Description("timeline", "BODYFILE", target.evidenceSource(), "list",
                                l.problems().isEmpty(), l.problems().stream().map(GuestNames::escape).toList(), java.util.Map.of("mount_point", mountPoint)));
                    }
                    err.println("chirp: " + l.records().size() + " entries written to " + output);
                }
                return warn(err, "partial listing", l.problems());
            }
        }
    }

    @Command(name = "extract", mixinStandardHelpOptions = true,
            description = "Copy files out by path or inode into an evidence folder (owner-only), with SHA-256 and a manifest per file. "
                    + "Only blocks the file really has are written; holes stay holes and are listed in the manifest.")
    static final class Extract implements Callable<Integer> {
        @Mixin Source source;
        @Option(names = "--path", paramLabel = "PATH", description = "absolute path in the file system (repeatable)") List<String> paths = new ArrayList<>();
        @Option(names = "--inode", paramLabel = "N", description = "inode number (repeatable)") List<Long> inodes = new ArrayList<>();
        @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "evidence folder (created 0700); or --store") Path output;
        @Mixin StoreOptions store;
        @Option(names = "--fill-holes", description = "also write a size claimed beyond the file's last block, as zeros (capped by --max-fill)")
        boolean fillHoles;
        @Option(names = "--max-fill", paramLabel = "SIZE", defaultValue = "1G",
                description = "most zero bytes (holes, unwritten extents, a filled tail) one output may represent, e.g. 64M, 1G (default 1G)")
        String maxFill;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            if (paths.isEmpty() && inodes.isEmpty()) throw ChirpException.usage("give --path or --inode");
            if ((output == null) == !store.enabled()) throw ChirpException.usage("give -o DIR or --store (one of them)");
            if (!store.enabled()) return extract(output);
            int[] rc = {0};
            store.collect(folder -> rc[0] = extract(folder), spec.commandLine().getErr());
            return rc[0];
        }

        private int extract(Path output) {
            PrintWriter err = spec.commandLine().getErr();
            long cap = size(maxFill);
            try (DiskTarget target = source.open(err)) {
                var fs = source.volume(target).fs();
                var options = new Extractor.Options(fillHoles, cap, target.provenance());
                List<ExtractedFile> done = new ArrayList<>();
                for (String p : paths) done.add(Extractor.extractPath(fs, p, output, options));
                for (long n : inodes) done.add(Extractor.extract(fs, n, "", output, options));
                List<String> problems = new ArrayList<>();
                for (ExtractedFile x : done) {
                    String name = x.sourcePath().isEmpty() ? "inode " + x.inode() : GuestNames.escape(x.sourcePath());
                    x.problems().forEach(p -> problems.add(name + ": " + p));
                }
                Table.print(DiskTables.EXTRACTED.rows(done), spec.commandLine().getOut(), format);
                return warn(err, "partial extraction", problems);
            }
        }

        /** Bytes from "123", "64K", "64M", "1G", "2T". */
        static long size(String s) {
            String v = s.strip().toUpperCase(java.util.Locale.ROOT);
            int shift = v.endsWith("K") ? 10 : v.endsWith("M") ? 20 : v.endsWith("G") ? 30 : v.endsWith("T") ? 40 : 0;
            if (shift > 0) v = v.substring(0, v.length() - 1);
            try {
                long n = Long.parseLong(v);
                if (n < 0 || n > Long.MAX_VALUE >> shift) throw new NumberFormatException();
                return n << shift;
            } catch (NumberFormatException e) {
                throw ChirpException.usage("--max-fill: not a size: " + s);
            }
        }
    }

    @Command(name = "acquire", mixinStandardHelpOptions = true,
            description = "Image the whole disk (a consistent point in time for --vm), hashed, with FILE.manifest.json and a custody record; "
                    + "owner-only, written as .partial and renamed when complete.")
    static final class Acquire implements Callable<Integer> {
        @Mixin Source source;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "image file to create (never overwritten)") Path output;
        @Option(names = "--image-format", defaultValue = "raw", description = "output format: raw or qcow2") String imageFormat;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            DiskAcquisition.Format f = switch (imageFormat) {
                case "raw" -> DiskAcquisition.Format.RAW;
                case "qcow2" -> DiskAcquisition.Format.QCOW2;
                default -> throw ChirpException.usage("--image-format must be raw or qcow2, not " + imageFormat);
            };
            PrintWriter err = spec.commandLine().getErr();
            long[] lastPercent = {-1};
            try (DiskTarget target = source.open(err)) {
                AcquiredDisk a = DiskAcquisition.acquire(target, output, f, (done, total) -> {
                    long pct = total == 0 ? 100 : done * 100 / total;
                    if (pct / 10 != lastPercent[0] / 10) {
                        err.println("chirp: acquired " + pct + "% (" + (done >> 20) + " of " + (total >> 20) + " MiB)");
                        err.flush();
                    }
                    lastPercent[0] = pct;
                });
                Table.print(DiskTables.ACQUIRED.rows(List.of(new DiskTables.AcquiredRow(a, imageFormat))),
                        spec.commandLine().getOut(), format);
                return 0;
            }
        }
    }
}
