package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.disk.DiskTarget;
import io.chirp.disk.acquire.AcquiredDisk;
import io.chirp.disk.acquire.DiskAcquisition;
import io.chirp.disk.fs.BodyFile;
import io.chirp.disk.fs.DirEntry;
import io.chirp.disk.fs.ExtractedFile;
import io.chirp.disk.fs.Extractor;
import io.chirp.disk.fs.FileMeta;
import io.chirp.disk.fs.FileRecord;
import io.chirp.disk.fs.FileSystems;
import io.chirp.disk.fs.FileWalker;
import io.chirp.disk.fs.Listing;
import io.chirp.disk.fs.Macb;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/** {@code chirp disk ls|timeline|extract|acquire}: files and images of a VM's disk (live, point in time) or an image. */
@Command(name = "disk", mixinStandardHelpOptions = true, description = "Disks of running VMs (point-in-time, read-only) and disk images.",
        subcommands = {DiskCommand.Ls.class, DiskCommand.Timeline.class, DiskCommand.Extract.class, DiskCommand.Acquire.class})
final class DiskCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    /** {@code --vm NAME | --image FILE}, plus which disk and partition. */
    static final class Source {
        static final class Choice {
            @Option(names = "--vm", paramLabel = "NAME", description = "a running QEMU VM (name or pid); its disk is fleeced, never written")
            String vm;
            @Option(names = "--image", paramLabel = "FILE", description = "a disk image (raw or qcow2, with its backing chain)")
            Path image;
        }

        @ArgGroup(exclusive = true, multiplicity = "1") Choice choice;
        @Option(names = "--disk", paramLabel = "NODE", description = "with --vm: block node, device or qdev id (default: the first disk)")
        String disk;
        @Option(names = "--partition", paramLabel = "N", description = "partition number (default: the whole disk, or its first readable partition)")
        Integer partition;

        DiskTarget open() {
            if (choice.vm != null) return DiskTarget.vm(choice.vm, Optional.ofNullable(disk));
            if (disk != null) throw ChirpException.usage("--disk goes with --vm");
            return DiskTarget.image(choice.image);
        }

        FileSystems.Volume volume(DiskTarget t) {
            return FileSystems.open(t.source(), partition == null ? OptionalInt.empty() : OptionalInt.of(partition));
        }
    }

    private static String time(Optional<Instant> t) { return t.map(Instant::toString).orElse(null); }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List a directory, or with -r every file, with MACB times.")
    static final class Ls implements Callable<Integer> {
        @Mixin Source source;
        @Option(names = "--path", defaultValue = "/", description = "directory to list (default /)") String path;
        @Option(names = {"-r", "--recursive"}, description = "list everything below --path") boolean recursive;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            Table t = new Table("path", "inode", "type", "mode", "uid", "gid", "size", "modified", "accessed", "changed", "born", "deleted");
            try (DiskTarget target = source.open()) {
                var fs = source.volume(target).fs();
                List<FileRecord> records = new ArrayList<>();
                List<String> problems = List.of();
                String base = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
                if (recursive) {
                    Listing l = FileWalker.walk(fs);
                    problems = l.problems();
                    String prefix = base.equals("/") ? "/" : base + "/";
                    for (FileRecord r : l.records()) if (r.path().startsWith(prefix)) records.add(r);
                } else {
                    long dir = Extractor.resolve(fs, base);
                    for (DirEntry e : fs.readDir(dir)) {
                        String p = (base.equals("/") ? "" : base) + "/" + e.name();
                        Optional<FileMeta> m;
                        Optional<String> problem = Optional.empty();
                        try {
                            m = Optional.of(fs.stat(e.inode()));
                        } catch (ChirpException ex) {
                            m = Optional.empty();
                            problem = Optional.of(ex.getMessage());
                        }
                        records.add(new FileRecord(p, e, m, problem));
                    }
                }
                for (FileRecord r : records) {
                    FileMeta m = r.meta().orElse(null);
                    Macb times = m == null ? Macb.NONE : m.times();
                    t.row(r.path() + (m != null && m.linkTarget().isPresent() ? " -> " + m.linkTarget().get() : ""),
                            r.entry().inode(), m == null ? r.entry().type().name().toLowerCase() : m.type().name().toLowerCase(),
                            m == null ? null : m.tskMode(), m == null ? null : m.uid(), m == null ? null : m.gid(),
                            m == null ? null : m.size(), time(times.modified()), time(times.accessed()), time(times.changed()),
                            time(times.born()), r.entry().deleted());
                }
                t.print(spec.commandLine().getOut(), format);
                for (String p : problems) spec.commandLine().getErr().println("chirp: partial listing: " + p);
                spec.commandLine().getErr().flush();
                return problems.isEmpty() ? 0 : 1;
            }
        }
    }

    @Command(name = "timeline", mixinStandardHelpOptions = true, description = "Write a Sleuth Kit body file (for mactime) of every file.")
    static final class Timeline implements Callable<Integer> {
        @Mixin Source source;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "body file to write (default: standard output)") Path output;
        @Option(names = "--mount-point", defaultValue = "/", description = "prefix for every path (default /)") String mountPoint;
        @Spec CommandSpec spec;

        @Override public Integer call() throws IOException {
            try (DiskTarget target = source.open()) {
                Listing l = FileWalker.walk(source.volume(target).fs());
                if (output == null) {
                    BodyFile.write(l, mountPoint, spec.commandLine().getOut());
                } else {
                    Path partial = output.resolveSibling(output.getFileName() + ".partial");
                    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(partial, StandardCharsets.UTF_8))) {
                        BodyFile.write(l, mountPoint, w);
                    }
                    Files.move(partial, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    spec.commandLine().getErr().println("chirp: " + l.records().size() + " entries written to " + output);
                }
                for (String p : l.problems()) spec.commandLine().getErr().println("chirp: partial listing: " + p);
                spec.commandLine().getErr().flush();
                return l.partial() ? 1 : 0;
            }
        }
    }

    @Command(name = "extract", mixinStandardHelpOptions = true, description = "Copy files out by path or inode into an evidence folder, with SHA-256.")
    static final class Extract implements Callable<Integer> {
        @Mixin Source source;
        @Option(names = "--path", paramLabel = "PATH", description = "absolute path in the file system (repeatable)") List<String> paths = new ArrayList<>();
        @Option(names = "--inode", paramLabel = "N", description = "inode number (repeatable)") List<Long> inodes = new ArrayList<>();
        @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true, description = "evidence folder") Path output;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            if (paths.isEmpty() && inodes.isEmpty()) throw ChirpException.usage("give --path or --inode");
            try (DiskTarget target = source.open()) {
                var fs = source.volume(target).fs();
                Table t = new Table("path", "inode", "size", "sha256", "output");
                List<ExtractedFile> done = new ArrayList<>();
                for (String p : paths) done.add(Extractor.extractPath(fs, p, output));
                for (long n : inodes) done.add(Extractor.extract(fs, n, "", output));
                for (ExtractedFile x : done) t.row(x.sourcePath(), x.inode(), x.size(), x.sha256(), x.output());
                t.print(spec.commandLine().getOut(), format);
                return 0;
            }
        }
    }

    @Command(name = "acquire", mixinStandardHelpOptions = true, description = "Image the whole disk (a consistent point in time for --vm), hashed, with a JSON manifest.")
    static final class Acquire implements Callable<Integer> {
        @Mixin Source source;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "image file to create (never overwritten)") Path output;
        @Option(names = "--image-format", defaultValue = "raw", description = "raw or qcow2") String imageFormat;
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
            try (DiskTarget target = source.open()) {
                AcquiredDisk a = DiskAcquisition.acquire(target, output, f, (done, total) -> {
                    long pct = total == 0 ? 100 : done * 100 / total;
                    if (pct / 10 != lastPercent[0] / 10) {
                        err.println("chirp: acquired " + pct + "% (" + (done >> 20) + " of " + (total >> 20) + " MiB)");
                        err.flush();
                    }
                    lastPercent[0] = pct;
                });
                new Table("output", "format", "size", "content_sha256", "file_sha256", "manifest")
                        .row(a.output(), imageFormat, a.virtualSize(), a.contentSha256(), a.fileSha256(), a.manifest())
                        .print(spec.commandLine().getOut(), format);
                return 0;
            }
        }
    }
}
