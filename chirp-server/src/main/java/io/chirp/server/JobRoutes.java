package io.chirp.server;

import io.chirp.core.ChirpException;
import io.chirp.disk.DiskTarget;
import io.chirp.disk.acquire.AcquiredDisk;
import io.chirp.disk.acquire.DiskAcquisition;
import io.chirp.disk.fs.BodyFile;
import io.chirp.disk.fs.ExtractedFile;
import io.chirp.disk.fs.Extractor;
import io.chirp.disk.fs.FileSystems;
import io.chirp.disk.fs.FileWalker;
import io.chirp.disk.fs.GuestNames;
import io.chirp.disk.fs.Listing;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.hypervisor.Target;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.backend.Capability;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.backend.VmInfo;
import io.chirp.linux.LinuxKernel;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.acquire.MemoryAcquirer;
import io.chirp.net.flow.FlowReport;
import io.chirp.net.flow.Flows;
import io.chirp.net.pcap.CaptureFormat;
import io.chirp.net.qemu.CaptureResult;
import io.chirp.net.qemu.LiveCapture;
import io.chirp.tables.DiskTables;
import io.chirp.tables.NetTables;
import io.chirp.tables.Rows;
import io.chirp.tables.SymbolExport;
import io.chirp.symbols.isf.IsfWriter;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static io.chirp.server.Param.In.BODY;
import static io.chirp.server.Param.In.QUERY;
import static io.chirp.server.Role.ANALYST;
import static io.chirp.server.Role.VIEWER;

/**
 * The part of the route table ({@link Api} calls it) for evidence: every collection the CLI does as a job — memory
 * (each mode), disk images, files extracted from disks, body files, captures, ISF exports — plus disk listings,
 * flows of a capture with attribution, and downloads of what jobs made. Each job writes through chirp-evidence's
 * EvidenceWriter into {@link Jobs#folder}.
 */
final class JobRoutes {
    /** Disk node names as QEMU's block layer shows them (node names, devices, qdev ids). */
    static final String DISK_NAME = "[A-Za-z0-9#][A-Za-z0-9._#/-]{0,127}";
    /** An absolute path in a guest file system (control characters are refused for every text parameter). */
    static final String GUEST_PATH = "/.{0,4095}";
    /** Longest capture through the API. */
    static final int MAX_CAPTURE_S = 3600;

    private final Api api;
    private final ChirpServer s;

    JobRoutes(Api api, ChirpServer s) {
        this.api = api;
        this.s = s;
    }

    void declare() {
        Param vmBody = Param.text("vm", BODY, true, "the VM", Param.VM_NAME, Param.VM_NAME_MAX);
        Param disk = Param.text("disk", BODY, false, "block node, device or qdev id (default: the first disk)", DISK_NAME, 128);
        Param partition = Param.integer("partition", BODY, "partition number (default: the whole disk, or its first readable"
                + " partition)", 1, 128, null);
        api.add("POST", "/api/jobs/acquisitions", "startAcquisition", "jobs", ANALYST, true,
                "Start acquiring a VM's memory (an image in the server's evidence folder, SHA-256 while writing)",
                List.of(vmBody,
                        Param.choice("mode", BODY, false, "live (no pause), consistent (paused for the copy) or migration "
                                + "(QEMU live migration, pause of milliseconds)", "live", List.of("live", "consistent", "migration")),
                        Param.choice("format", BODY, false, "elf (QEMU dump layout with vCPU notes) or lime", "elf", List.of("elf", "lime")),
                        Param.text("sensor", BODY, false, "the fleet sensor whose host runs the VM (default: this server's host);"
                                + " the sensor acquires and sends the image here", "[A-Za-z0-9][A-Za-z0-9._-]{0,63}", 64)),
                job(), Jobs.example(), c -> {
                    VmAcquisition.Mode mode = VmAcquisition.Mode.valueOf(c.text("mode").toUpperCase(Locale.ROOT));
                    ImageFormat f = c.text("format").equals("elf") ? ImageFormat.ELF_CORE : ImageFormat.LIME;
                    if (c.text("sensor") != null) {
                        return started(s.jobs().acquireOnSensor(c.text("sensor"), c.require("vm"), mode, f, EvidenceRoutes.actor(c), null));
                    }
                    String vm = vm(c);
                    return started(s.jobs().acquire(vm, mode, f, EvidenceRoutes.actor(c), null));
                });
        api.add("POST", "/api/jobs/disk-acquisitions", "startDiskAcquisition", "jobs", ANALYST, true,
                "Start imaging a VM's disk at a consistent point in time (raw or qcow2, hashed, with a manifest)",
                List.of(vmBody, disk, Param.choice("image_format", BODY, false, "raw or qcow2", "raw", List.of("raw", "qcow2"))),
                job(), Map.of("vm", "victim", "image_format", "raw"), c -> {
                    String vm = vm(c, Capability.DISK_VIEWS);
                    DiskAcquisition.Format f = c.text("image_format").equals("qcow2") ? DiskAcquisition.Format.QCOW2
                            : DiskAcquisition.Format.RAW;
                    return started(s.jobs().acquireDisk(vm, Optional.ofNullable(c.text("disk")), f, EvidenceRoutes.actor(c), null));
                });
        api.add("POST", "/api/jobs/extractions", "startExtraction", "jobs", ANALYST, true,
                "Start copying a file out of a VM's disk (point in time, holes kept, hashed, with a manifest); the output's"
                        + " name is made by the server inside the job's folder, never from the guest path",
                List.of(vmBody, disk, partition, Param.text("path", BODY, true, "absolute path in the guest file system",
                        GUEST_PATH, 4096), Param.bodyFlag("fill_holes", "also write a size claimed beyond the file's last block, as zeros")),
                job(), Map.of("vm", "victim", "path", "/etc/hostname"), c -> {
                    String vm = vm(c, Capability.DISK_VIEWS);
                    return started(s.jobs().start("extraction", vm, params(c, "disk", "partition", "path"), EvidenceRoutes.actor(c), null, (dir, p) -> {
                        try (DiskTarget t = DiskTarget.vm(vm, Optional.ofNullable(c.text("disk")))) {
                            var fs = volume(t, c, p).fs();
                            ExtractedFile x = Extractor.extractPath(fs, c.require("path"), dir,
                                    new Extractor.Options(c.flag("fill_holes"), Extractor.Options.DEFAULT_MAX_FILL, t.provenance()),
                                    p::update); // bytes of the file's size, so the console's bar moves
                            List<String> problems = x.problems().stream().map(q -> GuestNames.escape(x.sourcePath()) + ": " + q).toList();
                            return new Jobs.Outcome(x.output(), EvidenceManifest.pathFor(x.output()), x.sha256(), null,
                                    Api.tableJson(DiskTables.EXTRACTED.rows(List.of(x), false, problems)), "extract file");
                        }
                    }));
                });
        api.add("POST", "/api/jobs/disk-timelines", "startDiskTimeline", "jobs", ANALYST, true,
                "Start writing a Sleuth Kit body file (for mactime) of every file on a VM's disk",
                List.of(vmBody, disk, partition), job(), Map.of("vm", "victim"), c -> {
                    String vm = vm(c, Capability.DISK_VIEWS);
                    return started(s.jobs().start("disk-timeline", vm, params(c, "disk", "partition"), EvidenceRoutes.actor(c), null, (dir, p) -> {
                        try (DiskTarget t = DiskTarget.vm(vm, Optional.ofNullable(c.text("disk")))) {
                            Listing l = FileWalker.walk(volume(t, c, p).fs());
                            Path out = dir.resolve(Jobs.fileName(vm) + ".body");
                            EvidenceManifest m;
                            try (EvidenceWriter ew = EvidenceWriter.create(out)) {
                                PrintWriter w = new PrintWriter(new OutputStreamWriter(ew.outputStream(), StandardCharsets.UTF_8));
                                BodyFile.write(l, "/", w);
                                w.flush();
                                m = ew.commit(new EvidenceWriter.Description("timeline", "BODYFILE", t.evidenceSource(), "list",
                                        l.problems().isEmpty(), l.problems().stream().map(GuestNames::escape).toList(),
                                        Map.of("mount_point", "/")));
                            }
                            return new Jobs.Outcome(out, EvidenceManifest.pathFor(out), m.sha256(), null,
                                    Map.of("entries", l.records().size(), "problems", l.problems().stream().map(GuestNames::escape).toList()),
                                    "write disk body file");
                        }
                    }));
                });
        api.add("POST", "/api/jobs/captures", "startCapture", "jobs", ANALYST, true,
                "Start capturing a VM's traffic from the hypervisor side for some seconds (cancel stops it early and keeps"
                        + " what was captured)",
                List.of(vmBody, Param.integer("seconds", BODY, "how long, 1 to " + MAX_CAPTURE_S, 1, MAX_CAPTURE_S, 10L),
                        Param.text("netdev", BODY, false, "QEMU netdev (default: the VM's only one)", "[A-Za-z0-9._-]{1,64}", 64),
                        Param.choice("format", BODY, false, "pcap or pcapng", "pcap", List.of("pcap", "pcapng"))),
                job(), Map.of("vm", "victim", "seconds", 2), c -> {
                    String vm = vm(c, Capability.TRAFFIC_CAPTURE);
                    long seconds = c.integer("seconds");
                    return started(s.jobs().start("capture", vm, params(c, "seconds", "netdev", "format"), EvidenceRoutes.actor(c), null, (dir, p) -> {
                        // the VM stays open for the whole capture: a back-end's monitor (libvirt's) lives on its connection
                        try (VmHandle h = VmBackends.open(vm, Optional.empty());
                             LiveCapture cap = LiveCapture.start(h, Optional.ofNullable(c.text("netdev")))) {
                            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
                            while (System.nanoTime() < end && !p.cancelled()) {
                                Thread.sleep(200);
                                p.update(cap.bytesSoFar(), 0);
                            }
                            CaptureFormat f = c.text("format").equals("pcapng") ? CaptureFormat.PCAPNG : CaptureFormat.PCAP;
                            CaptureResult r = cap.stop(dir.resolve(Jobs.fileName(vm) + "." + c.text("format")), f);
                            return new Jobs.Outcome(r.file(), EvidenceManifest.pathFor(r.file()), r.sha256(), null,
                                    Api.tableJson(NetTables.CAPTURE.rows(List.of(r), false, r.problem().map(List::of).orElse(List.of()))),
                                    "capture traffic (" + c.text("format") + ")");
                        }
                    }));
                });
        api.add("POST", "/api/jobs/isf-exports", "startIsfExport", "jobs", ANALYST, true,
                "Start writing a Volatility 3 ISF made from the guest's own kallsyms and BTF (evidence with a manifest)",
                List.of(vmBody), job(), Map.of("vm", "victim"), c -> {
                    String vm = vm(c);
                    return started(s.jobs().start("isf-export", vm, Map.of(), EvidenceRoutes.actor(c), null, (dir, p) -> {
                        // it reports no progress: the cancel flag is looked at between the attach, types, symbols
                        // and output chunks, so a cancel does not wait for the end
                        IsfWriter.Cancel cancel = new IsfWriter.Cancel(p::cancelled);
                        try (Target t = Target.vm(vm)) {
                            cancel.check();
                            LinuxKernel k = LinuxKernel.attach(t.memory(), t.cpus());
                            cancel.check();
                            SymbolExport.Exported x = SymbolExport.isf(t, k, dir.resolve(Jobs.fileName(vm) + ".isf.json"), cancel);
                            Map<String, Object> r = new LinkedHashMap<>();
                            r.put("symbols", x.symbols());
                            r.put("types", x.types());
                            r.put("banner", x.banner());
                            r.put("warnings", x.warnings());
                            return new Jobs.Outcome(x.file(), EvidenceManifest.pathFor(x.file()), x.manifest().sha256(), null, r,
                                    "export ISF symbols");
                        }
                    }));
                });
        api.add("GET", "/api/jobs/{id}/artifact", "getJobArtifact", "jobs", VIEWER, true,
                "Download what a finished job made (its image, file, capture or export)",
                List.of(Param.pathId("id", "the job id")),
                new Route.Response(200, "application/octet-stream", null, "the artifact"), null, c -> {
                    Path f = s.jobs().artifact(c.require("id")).filter(Files::isRegularFile)
                            .orElseThrow(() -> ChirpException.notFound("job " + c.text("id") + " has no artifact"));
                    return new Reply.Download("application/octet-stream", f.getFileName().toString(), out -> Files.copy(f, out));
                });
        api.add("GET", "/api/jobs/{id}/flows", "getCaptureFlows", "net", VIEWER, true,
                "Flows of a finished capture job, each with the guest process behind it (the guest's sockets read now)",
                List.of(Param.pathId("id", "the capture job's id"), Param.flag("attribute", "read the guest's sockets to name each"
                        + " flow's process (default true)", true)),
                Route.Response.json("flows", "rows of the flows table"), null, c -> Reply.ok(Api.tableJson(flows(c))));
        api.add("GET", "/api/vms/{vm}/disk/files", "listDiskFiles", "disk", VIEWER, true,
                "Files of a VM's disk with MACB times (point in time, read-only): a directory, or everything below it",
                List.of(Param.vm(), Param.text("path", QUERY, false, "directory (default /)", GUEST_PATH, 4096),
                        Param.flag("recursive", "everything below the path"),
                        Param.text("disk", QUERY, false, "block node, device or qdev id (default: the first disk)", DISK_NAME, 128),
                        Param.integer("partition", QUERY, "partition number", 1, 128, null)),
                Route.Response.json("files", "rows of the files table"), null, c -> {
                    try (DiskTarget t = DiskTarget.vm(c.require("vm"), Optional.ofNullable(c.text("disk")))) {
                        String path = c.text("path") == null ? "/" : c.text("path");
                        return Reply.ok(Api.tableJson(DiskTables.ls(volume(t, c).fs(), path, c.flag("recursive"))));
                    }
                });
    }

    private Rows flows(Call c) {
        String id = c.require("id");
        Jobs.View v = s.jobs().get(id).orElseThrow(() -> ChirpException.notFound("no such job: " + id));
        if (!v.kind().equals("capture")) throw ChirpException.usage("job " + id + " is a " + v.kind() + ", not a capture");
        Path file = s.jobs().artifact(id).orElseThrow(() -> ChirpException.notFound("capture job " + id + " has no capture file"));
        FlowReport report = Flows.read(file);
        List<String> problems = new ArrayList<>();
        report.problem().ifPresent(p -> problems.add("the capture ends early (" + p + "); the flows cover only what comes before"));
        if (report.stats().droppedFlows() > 0) problems.add(report.stats().droppedFlows() + " flows beyond the table limit were not tracked");
        NetTables.Guest g = NetTables.guestOf(v.vm(), Optional.empty(), c.flag("attribute"));
        problems.addAll(g.problems());
        return NetTables.flows(report.flows(), g.mac(), g.sockets(), problems);
    }

    private static FileSystems.Volume volume(DiskTarget t, Call c) { return volume(t, c, null); }

    /**
     * The partition asked for; in a job, every disk read is a cancellation point: a walk or extraction reports no
     * progress, and a cancel must not wait for its end.
     */
    private static FileSystems.Volume volume(DiskTarget t, Call c, Jobs.Progress job) {
        Integer p = c.integer("partition");
        var source = job == null ? t.source() : t.source().cancellable(job::cancelled);
        return FileSystems.open(source, p == null ? OptionalInt.empty() : OptionalInt.of(p));
    }

    /**
     * {@return the VM named in the body (any back-end: {@code libvirt:web1}), checked now to exist and to declare
     * {@code needs} (NOT_FOUND or "lacks capability" now, not later in the job)}
     */
    private static String vm(Call c, Capability... needs) {
        String vm = c.require("vm");
        VmInfo info = VmBackends.find(vm, Optional.empty());
        for (Capability n : needs) info.require(n);
        return vm;
    }

    private static Map<String, Object> params(Call c, String... names) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String n : names) if (c.values().get(n) != null) m.put(n, c.values().get(n));
        return m;
    }

    private static Route.Response job() { return new Route.Response(202, "application/json", "job", "the job, running"); }

    private static Reply started(Jobs.View v) { return new Reply.Json(202, v); }
}
