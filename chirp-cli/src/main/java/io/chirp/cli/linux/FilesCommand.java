package io.chirp.cli.linux;

import io.chirp.tables.SymbolExport;
import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.core.ChirpException;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.linux.fs.PageCache;
import io.chirp.tables.Rows;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code chirp linux files}: the files in the kernel's caches, and extraction of one of them from its page cache
 * (Volatility's linux.pagecache). On tmpfs, ramfs and shm that is the file itself, also once deleted while open,
 * and memfd files; on disk file systems it is what the guest has cached, which may be newer than the disk.
 */
@Command(name = "files", mixinStandardHelpOptions = true,
        description = {"List the files in the kernel's inode and page caches, or extract one from its page cache.",
                "Extraction writes owner-only evidence with SHA-256 and a manifest; pages not in the cache are",
                "written as zeros, listed in the manifest, and the exit code is 4."})
public final class FilesCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--mount", paramLabel = "MOUNTPOINT", description = "only files of the file system mounted here ((shm_mnt) for memfd)")
    String mount;
    @Option(names = "--generated", description = "also list file systems whose files the kernel generates (proc, sysfs, ...)")
    boolean generated;
    @Option(names = "--extract", paramLabel = "PATH", description = "extract the file at this path (as the listing shows it)")
    String extract;
    @Option(names = "--inode", paramLabel = "N", description = "extract the file with this inode number (with --mount if it is ambiguous)")
    Long inode;
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "where to write the extracted file (never overwritten)")
    Path output;
    @Option(names = "--max-size", paramLabel = "BYTES", defaultValue = "1073741824",
            description = "most bytes extracted (a guest's i_size is not trusted; default 1 GiB)") long maxSize;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        boolean extracting = extract != null || inode != null;
        if (extracting && output == null) throw ChirpException.usage("--extract/--inode need -o FILE");
        if (!extracting && output != null) throw ChirpException.usage("-o needs --extract PATH or --inode N");
        if (maxSize <= 0) throw ChirpException.usage("--max-size must be positive");
        try (LinuxSession s = LinuxSession.open(target)) {
            if (!extracting) {
                // the listing as the API serves it (GET /api/vms/{vm}/linux/files)
                Rows rows = io.chirp.tables.LinuxViews.files(s.kernel(), generated, mount);
                Table t = new Table(rows.names().toArray(String[]::new));
                for (List<Object> v : rows.values()) t.row(v.toArray());
                t.print(spec.commandLine().getOut(), format);
                return ExitCode.okOrPartial(!io.chirp.cli.Table.warn(spec, rows.problems()));
            }
            PageCache pc = new PageCache(s.kernel());
            return extract(s, pc, pc.list(true));
        }
    }

    private int extract(LinuxSession s, PageCache pc, PageCache.Listing l) {
        List<PageCache.CachedFile> match = PageCache.find(l, extract, inode, mount);
        String what = extract != null ? extract : "inode " + inode;
        if (match.isEmpty()) {
            throw ChirpException.notFound("no cached file " + what + (l.complete() ? "" : " (the listing is partial)"));
        }
        if (match.size() > 1) {
            throw ChirpException.usage(what + " matches " + match.size() + " files (on "
                    + match.stream().map(PageCache.CachedFile::mountPoint).distinct().toList() + "): add --mount");
        }
        PageCache.CachedFile f = match.getFirst();
        PrintWriter out = spec.commandLine().getOut();
        try (EvidenceWriter w = EvidenceWriter.create(output)) {
            PageCache.Extraction x = pc.extract(f, maxSize, w::write);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("path", f.path());
            details.put("mountpoint", f.mountPoint());
            details.put("fs_type", f.fsType());
            details.put("inode", f.inode());
            details.put("i_size", f.size());
            details.put("deleted", f.deleted());
            details.put("inode_address", "0x" + Long.toHexString(f.address()));
            details.put("pages_read", x.pagesRead());
            details.put("non_resident_pages", x.holeText());
            List<String> notes = new ArrayList<>(List.of("read from the guest's page cache (inode->i_mapping->i_pages);"
                    + " each struct page checked against the file's mapping and index"));
            if (!x.holes().isEmpty()) notes.add("pages not resident, written as zeros: " + String.join(",", x.holeText()));
            x.problems().forEach(p -> notes.add(Table.escape(p)));
            EvidenceManifest m = w.commit(new EvidenceWriter.Description("file", "RAW", SymbolExport.source(s.target()),
                    "page-cache", x.complete(), notes, details));
            out.printf("wrote %s: %d bytes, %d pages from the page cache, %d not resident%n", output, x.bytesWritten(),
                    x.pagesRead(), x.holes().stream().mapToLong(h -> h[1] - h[0] + 1).sum());
            out.printf("sha256 %s, manifest %s%n", m.sha256(), EvidenceManifest.pathFor(output));
            out.flush();
            List<String> warn = new ArrayList<>(x.problems());
            if (!x.holes().isEmpty()) warn.add("pages not resident (zeros written): " + String.join(",", x.holeText()));
            return ExitCode.okOrPartial(!io.chirp.cli.Table.warn(spec, warn));
        }
    }
}
