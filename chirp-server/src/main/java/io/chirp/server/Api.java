package io.chirp.server;

import io.chirp.core.ChirpException;
import io.chirp.detect.eval.CompiledRule;
import io.chirp.events.EventClass;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.events.store.EventQuery;
import io.chirp.events.store.Since;
import io.chirp.events.store.StoredEvent;
import io.chirp.hypervisor.Target;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmInfo;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.integrity.IntegrityCheck;
import io.chirp.linux.integrity.IntegrityFinding;
import io.chirp.tables.HostTables;
import io.chirp.tables.LinuxViews;
import io.chirp.tables.MemoryViews;
import io.chirp.tables.Rows;
import io.chirp.tables.TableDef;
import io.chirp.tables.Tables;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

import static io.chirp.server.Param.In.BODY;
import static io.chirp.server.Param.In.QUERY;
import static io.chirp.server.Role.ADMIN;
import static io.chirp.server.Role.ANALYST;
import static io.chirp.server.Role.VIEWER;

/**
 * THE route table (with {@link JobRoutes} and {@link TimelineRoutes}, which it calls): every operation of the API with its role, audit flag,
 * parameters and handler. The dispatcher ({@link HttpFront}) enforces it and {@link OpenApi} publishes it; nothing else declares a route.
 */
final class Api {
    private final ChirpServer s;
    private final List<Route> routes = new ArrayList<>();
    private final ViewCache cache = new ViewCache();
    /** The host's VM listing, shared by callers for up to {@link ViewCache#TTL_MS} and dropped on any lifecycle change. */
    private final ViewCache inventory = new ViewCache();

    private Api(ChirpServer s) { this.s = s; }

    static List<Route> routes(ChirpServer s) {
        Api a = new Api(s);
        a.declare();
        return List.copyOf(a.routes);
    }

    private void declare() {
        Param vm = Param.vm();
        // --- the API itself
        add("GET", "/api/openapi.json", "getOpenApi", "api", VIEWER, false, "This OpenAPI document",
                List.of(), Route.Response.json(null, "the OpenAPI 3.1 document"), null, c -> Reply.ok(s.openApi()));
        add("GET", "/api/tables", "listTables", "api", VIEWER, false, "Schemas of every declared table (columns, types, docs)",
                List.of(), Route.Response.json(null, "table name to its columns"), null, c -> Reply.ok(tableSchemas()));
        // --- VMs
        add("GET", "/api/vms", "listVms", "vms", VIEWER, false, "QEMU VMs on this host and their monitoring state (the host's listing is"
                + " reused for up to " + ViewCache.TTL_MS + " ms, or until a watched VM changes state; age_ms says how old)",
                List.of(), table("vms"), null, c -> Reply.ok(vms(null)));
        add("GET", "/api/vms/{vm}", "getVm", "vms", VIEWER, false, "One VM and its monitoring state",
                List.of(vm), table("vms"), null, c -> Reply.ok(vms(c.require("vm"))));
        add("GET", "/api/vms/{vm}/registers", "getRegisters", "vms", VIEWER, true, "Registers of every vCPU (QMP, no pause)",
                List.of(vm), table("registers"), null, c -> {
                    try (Target t = Target.vm(c.require("vm"))) {
                        // as chirp regs: a live VM's registers fresh from QMP, not those read at attach
                        return table(HostTables.registers(t instanceof Target.Live live ? live.vm().registers() : t.cpus()));
                    }
                });
        add("GET", "/api/vms/{vm}/translate", "translate", "vms", VIEWER, true,
                "Guest-virtual addresses through the guest's page tables (vCPU 0's CR3 unless cr3 is given)",
                List.of(vm, Param.addresses("address", QUERY, true, "addresses, comma-separated (0x-hex or decimal)", 256)
                        .withExample("0xffffffff81000000,0x1000"),
                        Param.addresses("cr3", QUERY, false, "page-table root", 1)),
                table("translate"), null, c -> {
                    try (Target t = Target.vm(c.require("vm"))) {
                        List<Long> as = java.util.Arrays.stream(c.require("address").split(",")).map(MemoryViews::parse).toList();
                        return table(MemoryViews.translate(MemoryViews.space(t, c.text("cr3")), as));
                    }
                });
        add("GET", "/api/vms/{vm}/memory", "readMemory", "vms", VIEWER, true,
                "Read guest memory (physical, or virtual through the page tables) as hex; unreadable runs are listed",
                List.of(vm, Param.addresses("address", QUERY, false, "first address (0x-hex or decimal; default: the kernel's"
                                + " text for a virtual read, 0 for a physical one)", 1).withExample("0x1000"),
                        Param.integer("length", QUERY, "bytes to read (at most 1 MiB: the JSON hex is twice as long)", 1, 1 << 20, 256L),
                        Param.choice("space", QUERY, false, "physical or virtual", "physical", List.of("physical", "virtual")),
                        Param.addresses("cr3", QUERY, false, "page-table root for virtual reads", 1)),
                Route.Response.json(null, "address, length, hex, holes and whether the read is complete"), null, c -> {
                    try (Target t = Target.vm(c.require("vm"))) {
                        boolean virtual = c.text("space").equals("virtual");
                        // no address: where a look at memory usually starts (the console's hex view opens there)
                        long addr = c.text("address") != null ? MemoryViews.parse(c.text("address"))
                                : virtual ? LinuxKernel.attach(t.memory(), t.cpus()).info().virtText() : 0;
                        MemoryViews.Read r = MemoryViews.read(t, virtual ? MemoryViews.space(t, c.text("cr3")) : null, addr,
                                c.integer("length"));
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("address", io.chirp.tables.ColumnType.hex(addr));
                        m.put("length", r.data().length);
                        m.put("hex", java.util.HexFormat.of().formatHex(r.data()));
                        m.put("holes", r.holes().stream().map(h -> Map.of("start", io.chirp.tables.ColumnType.hex(h.start()),
                                "length", h.length(), "reason", h.reason())).toList());
                        m.put("complete", r.holes().isEmpty());
                        return Reply.ok(m);
                    }
                });
        // --- the fleet (chirp serve --kafka): hosts by their sensors' heartbeats, and their VMs
        add("GET", "/api/fleet", "getFleet", "fleet", VIEWER, false,
                "Every sensor host and its VMs; a host without heartbeats is lost and its VMs unknown",
                List.of(), Route.Response.json(null, "hosts, and the ingest's counters"), null, c -> Reply.ok(s.fleet()));
        // --- Linux views: the same rows as chirp linux ...
        linux("pslist", "Processes from the kernel's task list", List.of(Param.flag("threads", "every thread, not only processes"),
                Param.pid("only this process id")), (c, k) -> LinuxViews.pslist(k, c.flag("threads"), c.integer("pid")));
        linux("psaux", "Processes with command lines read from their own memory", List.of(
                Param.flag("env", "add each process's environment"), Param.pid("only this process id")),
                (c, k) -> LinuxViews.psaux(k, c.flag("env"), c.integer("pid")));
        linux("pstree", "Processes in tree order with their depth", List.of(), (c, k) -> LinuxViews.pstree(k));
        linux("lsmod", "Kernel modules from the module list", List.of(Param.flag("params", "add module parameters")),
                (c, k) -> LinuxViews.lsmod(k, c.flag("params")));
        linux("sockets", "Sockets with the processes holding them", List.of(
                Param.choices("proto", "only these protocols (comma-separated)",
                        LinuxViews.SOCKET_PROTOCOLS),
                Param.flag("unowned", "only sockets no process holds")),
                (c, k) -> LinuxViews.sockets(k, c.set("proto"), c.flag("unowned")));
        linux("lsof", "Open file descriptors", List.of(Param.pids("only these process ids (comma-separated)")),
                (c, k) -> LinuxViews.lsof(k, c.set("pid")));
        linux("maps", "Memory maps (VMAs) of processes", List.of(Param.pids("only these process ids (comma-separated)")),
                (c, k) -> LinuxViews.maps(k, c.set("pid")));
        linux("mounts", "Mounts of init's mount namespace", List.of(Param.flag("all_namespaces",
                "every mount namespace a process is in, not only init's")), (c, k) -> LinuxViews.mounts(k, c.flag("all_namespaces")));
        linux("dmesg", "The kernel log from the printk ring buffer", List.of(
                Param.integer("level", QUERY, "only records of this level or more urgent (0 emerg .. 7 debug)", 0, 7, 7L)),
                (c, k) -> LinuxViews.dmesg(k, c.integer("level")));
        linux("psscan", "psscan", "Task_structs carved from slab memory: exited and hidden processes", List.of(
                Param.flag("all", "also the carved tasks that are on the task list (status listed)"), Param.pid("only this process id")),
                (c, k) -> LinuxViews.psscan(k, c.flag("all"), c.integer("pid")));
        linux("files", "cached_files", "Files in the kernel's inode and page caches (tmpfs, ramfs and shm files live only there)",
                List.of(Param.flag("generated", "also file systems whose files the kernel generates (proc, sysfs, ...)"),
                        Param.text("mount", QUERY, false, "only files of the file system mounted here ((shm_mnt) for memfd)",
                                "/.{0,4095}|\\(shm_mnt\\)", 4096)),
                (c, k) -> LinuxViews.files(k, c.flag("generated"), c.text("mount")));
        linux("ifconfig", "ifconfig", "Network interfaces with their IPv4 addresses", List.of(Param.flag("all_namespaces",
                "every network namespace a process is in, not only init's")), (c, k) -> LinuxViews.ifconfig(k, c.flag("all_namespaces")));
        linux("bpf", "bpf_progs", "Loaded eBPF programs with holders and attach points", List.of(), (c, k) -> LinuxViews.bpf(k, false));
        linux("bpf/maps", "bpf_maps", "eBPF maps with their holders", List.of(), (c, k) -> LinuxViews.bpf(k, true));
        linux("caps", "caps", "Capability sets and ptrace tracer and tracees of every process", List.of(
                Param.flag("threads", "every thread, not only processes"),
                Param.flag("traced", "only tasks that trace or are traced"),
                Param.flag("names", "add the effective capabilities by name")),
                (c, k) -> LinuxViews.caps(k, c.flag("threads"), c.flag("traced"), c.flag("names")));
        linux("history", "shell_history", "Commands remembered in the heap of every shell", List.of(
                Param.pid("only this process, whatever its name")), (c, k) -> LinuxViews.history(k, c.integer("pid")));
        linux("sockscan", "TCP sockets (IPv4 and IPv6) carved from slab memory: closed and hidden ones", List.of(
                Param.flag("all", "also the carved sockets a descriptor or kernel table leads to (status listed)")),
                (c, k) -> LinuxViews.sockscan(k, c.flag("all")));
        linux("kthreads", "Kernel threads with the function each runs; suspicious when nothing listed holds it", List.of(
                Param.flag("suspicious", "only threads whose function lies outside kernel text and every listed module")),
                (c, k) -> LinuxViews.kthreads(k, c.flag("suspicious")));
        add("GET", "/api/vms/{vm}/linux/check", "linuxCheck", "linux", VIEWER, true,
                "Integrity checks: hidden processes and modules, hooks, IDT, kprobes, ftrace, credentials",
                List.of(vm, Param.choices("only", "run only these checks (comma-separated)", IntegrityCheck.ALL),
                        Param.choice("min_severity", QUERY, false, "list findings at or above", "info",
                                List.of("info", "warning", "critical"))),
                Route.Response.json("check_result", "findings and, per check, what it examined"), null, c -> {
                    try (Target t = Target.vm(c.require("vm"))) {
                        LinuxKernel k = LinuxKernel.attach(t.memory(), t.cpus());
                        LinuxViews.CheckResult r = LinuxViews.check(k, t.cpus(), c.set("only"),
                                IntegrityFinding.Severity.valueOf(c.text("min_severity").toUpperCase(Locale.ROOT)));
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("findings", tableJson(r.findings()));
                        m.put("checks", tableJson(r.sections()));
                        m.put("alarming", r.alarming());
                        return Reply.ok(m);
                    }
                });
        // --- events, rules, alerts, the live stream
        add("GET", "/api/events", "queryEvents", "events", VIEWER, true, "Events from the event store, newest LIMIT in time order;"
                        + " next_before (null on the last page) asks for the page before them",
                List.of(Param.text("vm", QUERY, false, "only this VM", Param.VM_NAME, Param.VM_NAME_MAX),
                        Param.text("since", QUERY, false, "ISO-8601 instant, a date, or a duration back: 10m, 2h, 1d",
                                "[0-9A-Za-z:.+-]{1,40}", 40),
                        Param.text("class", QUERY, false, "process, module, network, file, detection, an OCSF class name or uid",
                                "[a-z_0-9]{1,40}", 40),
                        Param.integer("limit", QUERY, "at most this many (the newest)", 1, 10_000, 1000L),
                        Param.text("before", QUERY, false, "only events older than this cursor: the next_before of the"
                                + " previous page (pages back in time, each event once)", "[0-9]{1,19}\\.[0-9]{1,19}", 40),
                        Param.flag("ocsf", "return the OCSF events themselves instead of summary rows")),
                table("events"), null, c -> events(c));
        add("GET", "/api/rules", "listRules", "events", VIEWER, false, "The Sigma rules the detector runs",
                List.of(), Route.Response.json(null, "rules"), null, c -> Reply.ok(rules()));
        add("POST", "/api/rules", "addRules", "events", ADMIN, true, "Add Sigma rules (YAML); they run on events from now on",
                List.of(Param.document("yaml", "one Sigma rule, or several separated by ---", 64 * 1024)),
                new Route.Response(201, "application/json", null, "the rules added"),
                Map.of("yaml", EXAMPLE_RULE), c -> {
                    List<CompiledRule> added = s.addRules(c.require("yaml"), c.who().name());
                    return new Reply.Json(201, added.stream().map(r -> Map.of("id", r.rule().id(), "title", r.rule().title())).toList());
                });
        add("POST", "/api/rules/check", "checkRules", "events", VIEWER, true, "Check Sigma rules (YAML) as chirp rules check does:"
                        + " does each load, and can it match CHIRP's events; nothing is added",
                List.of(Param.document("yaml", "one Sigma rule, or several separated by ---", 64 * 1024)),
                table("rule_checks"), Map.of("yaml", EXAMPLE_RULE), c -> {
                    var report = new io.chirp.detect.check.RuleCheck(io.chirp.detect.ocsf.OcsfPipeline.standard())
                            .check(io.chirp.detect.Detector.fromYaml(c.require("yaml"), "api:" + c.who().name()));
                    return table(HostTables.RULE_CHECKS.rows(report.results()));
                });
        add("DELETE", "/api/rules/{id}", "removeRule", "events", ADMIN, true, "Remove a rule by id",
                List.of(Param.pathId("id", "the rule id")), Route.Response.json(null, "what was removed"), null, c -> {
                    if (!s.removeRule(c.require("id"))) throw ChirpException.notFound("no such rule: " + c.text("id"));
                    return Reply.ok(Map.of("removed", c.text("id")));
                });
        add("GET", "/api/alerts", "listAlerts", "events", VIEWER, true, "Alerts raised since the server started, newest first",
                List.of(Param.text("vm", QUERY, false, "only this VM", Param.VM_NAME, Param.VM_NAME_MAX),
                        Param.flag("open", "only alerts nobody acknowledged"),
                        Param.integer("limit", QUERY, "at most this many", 1, 10_000, 1000L)),
                Route.Response.json(null, "alerts"), null,
                c -> Reply.ok(s.alerts().list(c.text("vm"), c.flag("open"), c.integer("limit"))));
        add("POST", "/api/alerts/{id}/ack", "acknowledgeAlert", "events", ANALYST, true, "Acknowledge an alert",
                List.of(Param.pathId("id", "the alert id"), Param.text("note", BODY, false, "why", null, 1000)),
                Route.Response.json(null, "the acknowledged alert"), Map.of("note", "seen; investigating"),
                c -> Reply.ok(s.alerts().acknowledge(c.require("id"), c.who().name(), c.text("note"))
                        .orElseThrow(() -> ChirpException.notFound("no such alert: " + c.text("id")))));
        add("GET", "/api/stream", "stream", "events", VIEWER, true,
                "Live Server-Sent Events: event (OCSF), alert, job (progress); 'missed' says how many were lost",
                List.of(Param.choices("topics", "only these message kinds (comma-separated)", List.of("event", "alert", "job")),
                        Param.text("vm", QUERY, false, "only this VM's events and alerts", Param.VM_NAME, Param.VM_NAME_MAX)),
                new Route.Response(200, "text/event-stream", null, "the stream"), null, c -> {
                    Set<String> t = c.set("topics");
                    Set<EventHub.Topic> topics = t == null || t.isEmpty() ? Set.of(EventHub.Topic.values())
                            : t.stream().map(EventHub.Topic::valueOf).collect(java.util.stream.Collectors.toSet());
                    return new Reply.Stream(s.hub().subscribe(topics, c.text("vm")));
                });
        // --- jobs: evidence collection (and disk listings, flows) in JobRoutes; timelines in TimelineRoutes
        new JobRoutes(this, s).declare();
        new TimelineRoutes(this, s).declare();
        add("GET", "/api/jobs", "listJobs", "jobs", VIEWER, false, "Jobs, newest first, with progress or outcome",
                List.of(), Route.Response.json(null, "jobs"), null, c -> Reply.ok(s.jobs().list()));
        add("GET", "/api/jobs/{id}", "getJob", "jobs", VIEWER, false, "One job: progress (bytes, total, rate, ETA) or outcome",
                List.of(Param.pathId("id", "the job id")), Route.Response.json("job", "the job"), null,
                c -> Reply.ok(s.jobs().get(c.require("id")).orElseThrow(() -> ChirpException.notFound("no such job: " + c.text("id")))));
        add("DELETE", "/api/jobs/{id}", "cancelJob", "jobs", ANALYST, true, "Cancel a running job (a finished one is left as it is)",
                List.of(Param.pathId("id", "the job id")), Route.Response.json("job", "the job"), null,
                c -> Reply.ok(s.jobs().cancel(c.require("id")).orElseThrow(() -> ChirpException.notFound("no such job: " + c.text("id")))));
        // --- evidence store and cases (declared in EvidenceRoutes)
        EvidenceRoutes.declare(s, routes);
        // --- administration
        add("GET", "/api/users", "listUsers", "admin", ADMIN, true, "Users (no password hashes)", List.of(),
                Route.Response.json(null, "users"), null, c -> Reply.ok(s.credentials().users().stream()
                        .map(u -> Map.of("name", u.name(), "role", u.role().label(), "created", u.created().toString())).toList()));
        add("POST", "/api/users", "addUser", "admin", ADMIN, true, "Add a user who signs in with a password (HTTP Basic)",
                List.of(Param.text("name", BODY, true, "user name", "[A-Za-z0-9][A-Za-z0-9._@-]{0,63}", 64),
                        Param.choice("role", BODY, true, "viewer, analyst or admin", null, roles()),
                        Param.secret("password", "12 to 72 characters; stored only as a bcrypt hash")),
                new Route.Response(201, "application/json", null, "the user"),
                Map.of("name", "alice", "role", "viewer", "password", "correct horse battery"), c -> {
                    Credentials.User u = s.credentials().addUser(c.require("name"), Role.parse(c.require("role")),
                            c.require("password").toCharArray());
                    return new Reply.Json(201, Map.of("name", u.name(), "role", u.role().label(), "created", u.created().toString()));
                });
        add("GET", "/api/tokens", "listTokens", "admin", ADMIN, true, "API tokens (ids and names; never the secrets)", List.of(),
                Route.Response.json(null, "tokens"), null, c -> Reply.ok(s.credentials().tokens().stream()
                        .map(t -> Map.of("id", t.id(), "name", t.name(), "role", t.role().label(), "created", t.created().toString()))
                        .toList()));
        add("POST", "/api/tokens", "createToken", "admin", ADMIN, true, "Create an API token; its secret is shown in this answer only",
                List.of(Param.text("name", BODY, true, "what it is for", "[A-Za-z0-9][A-Za-z0-9._@-]{0,63}", 64),
                        Param.choice("role", BODY, true, "viewer, analyst or admin", null, roles())),
                new Route.Response(201, "application/json", null, "the token with its secret"),
                Map.of("name", "siem-reader", "role", "viewer"), c -> {
                    Credentials.NewToken t = s.credentials().createToken(c.require("name"), Role.parse(c.require("role")));
                    return new Reply.Json(201, Map.of("id", t.token().id(), "name", t.token().name(),
                            "role", t.token().role().label(), "token", t.secret()));
                });
        add("DELETE", "/api/tokens/{id}", "revokeToken", "admin", ADMIN, true, "Revoke an API token",
                List.of(Param.pathId("id", "the token id")), Route.Response.json(null, "what was revoked"), null, c -> {
                    if (!s.credentials().revokeToken(c.require("id"))) throw ChirpException.notFound("no such token: " + c.text("id"));
                    return Reply.ok(Map.of("revoked", c.text("id")));
                });
        add("GET", "/api/audit", "getAudit", "admin", ADMIN, true, "The audit log (hash-chained custody records) and its verification",
                List.of(Param.integer("limit", QUERY, "at most this many (the newest)", 1, 100_000, 1000L)),
                Route.Response.json(null, "records and whether the chain is intact"), null, c -> {
                    List<CustodyRecord> all = s.audit().records();
                    int n = c.integer("limit");
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("verification", s.audit().verify().toString());
                    m.put("records", all.subList(Math.max(0, all.size() - n), all.size()).stream().map(Api::record).toList());
                    return Reply.ok(m);
                });
    }

    void add(String method, String path, String id, String tag, Role role, boolean audited, String summary,
                     List<Param> params, Route.Response response, Map<String, Object> example, Route.Handler h) {
        routes.add(new Route(method, path, id, tag, role, audited, summary, params, response, example, h));
    }

    /** A Linux view: {@code GET /api/vms/{vm}/linux/NAME}, the same rows as {@code chirp linux NAME}. */
    private void linux(String name, String summary, List<Param> params, BiFunction<Call, LinuxKernel, Rows> view) {
        linux(name, name, summary, params, view);
    }

    /** A Linux view whose rows are those of table {@code table} ({@code bpf/maps}: id linuxBpfMaps). */
    private void linux(String name, String table, String summary, List<Param> params, BiFunction<Call, LinuxKernel, Rows> view) {
        List<Param> all = new ArrayList<>();
        all.add(Param.vm());
        all.addAll(params);
        all.add(Param.flag("fresh", "read the guest now rather than reuse an answer up to " + ViewCache.TTL_MS + " ms old"));
        StringBuilder id = new StringBuilder("linux");
        for (String part : name.split("/")) id.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        add("GET", "/api/vms/{vm}/linux/" + name, id.toString(), "linux", VIEWER, true, summary + " (answers are reused for up to "
                + ViewCache.TTL_MS + " ms; age_ms says how old)", all, table(table), null,
                c -> Reply.ok(cache.get(cacheKey(c), c.flag("fresh"), () -> {
                    try (Target t = Target.vm(c.require("vm"))) {
                        return tableJson(view.apply(c, LinuxKernel.attach(t.memory(), t.cpus())));
                    }
                })));
    }

    /** {@return what identifies a view's answer: its route and parameters, fresh or not} */
    private static String cacheKey(Call c) {
        java.util.TreeMap<String, Object> v = new java.util.TreeMap<>(c.values());
        v.remove("fresh");
        return c.route().path() + v;
    }

    private static final String EXAMPLE_RULE = "title: Shell From a Web Server\nid: example-web-shell\nlogsource:\n"
            + "    category: process_creation\n    product: linux\ndetection:\n    selection:\n        ParentImage|endswith: '/nginx'\n"
            + "        Image|endswith: '/sh'\n    condition: selection\nlevel: high\n";

    private static Route.Response table(String name) { return Route.Response.json(name, "rows of the " + name + " table"); }

    private static Reply table(Rows r) { return Reply.ok(tableJson(r)); }

    /** {@return a result as the API shows every table: its columns, typed rows, and whether it is complete} */
    static Map<String, Object> tableJson(Rows r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("table", r.table());
        m.put("columns", r.columns().stream().map(c -> Map.of("name", c.name(), "type", c.type().label(), "doc", c.doc())).toList());
        m.put("rows", r.objects());
        m.put("complete", r.complete());
        m.put("problems", r.problems());
        return m;
    }

    private static Map<String, Object> tableSchemas() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (TableDef<?> t : Tables.all()) {
            m.put(t.name(), Map.of("doc", t.doc(), "columns", t.columns().stream().map(c -> Map.of("name", c.name(),
                    "type", c.type().label(), "doc", c.doc(), "optional", c.optional())).toList()));
        }
        return m;
    }

    private Map<String, Object> vms(String only) {
        // one /proc scan and back-end listing for every caller within the TTL (consoles poll the fleet every 3 s); a VM
        // that stops, returns or pauses under the monitor moves the epoch, and the next call lists afresh
        Map<String, Object> cached = inventory.get("vms@" + s.vmStates().epoch(), false,
                () -> Map.of("listing", VmBackends.listAll(Optional.empty())));
        VmBackends.Listing l = (VmBackends.Listing) cached.get("listing");
        List<VmInfo> shown = only == null ? l.vms() : l.vms().stream()
                .filter(v -> v.id().ref().equals(only) || v.id().backend().equals(VmBackends.DEFAULT) && v.id().name().equals(only)).toList();
        if (only != null && shown.isEmpty()) throw ChirpException.notFound("no VM " + only + " in any back-end");
        // a back-end that cannot be asked (no libvirt daemon) is the usual case on a plain QEMU host, not a problem
        Map<String, Object> m = tableJson(HostTables.VMS.rows(shown));
        m.put("monitor", s.vmStates().snapshot());
        m.put("age_ms", cached.get("age_ms"));
        return m;
    }

    private Reply events(Call c) {
        EventQuery q = EventQuery.all().limit(c.integer("limit")).vm(c.text("vm"));
        if (c.text("since") != null) q = q.since(Since.parse(c.text("since"), Clock.systemUTC()));
        String cls = c.text("class");
        if (cls != null) q = q.classUid(cls.matches("\\d{1,9}") ? Integer.parseInt(cls) : EventClass.parse(cls).uid());
        if (c.text("before") != null) {
            try {
                q = q.before(EventQuery.Cursor.parse(c.text("before")));
            } catch (IllegalArgumentException e) { // digits beyond a long
                throw ChirpException.usage("before: not a cursor this server made: " + c.text("before"));
            }
        }
        List<StoredEvent> rows = s.queryEvents(q);
        if (c.flag("ocsf")) return Reply.ok(rows.stream().map(r -> r.event().json()).toList());
        Map<String, Object> m = tableJson(HostTables.EVENTS.rows(rows));
        // a full page may have older events behind it; a short one is the last
        m.put("next_before", rows.size() < q.limit() ? null : EventQuery.Cursor.after(rows.getFirst()).toString());
        return Reply.ok(m);
    }

    private List<Map<String, Object>> rules() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (CompiledRule r : s.detector().rules()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.rule().id());
            m.put("title", r.rule().title());
            m.put("level", r.rule().levelOrDefault().name().toLowerCase(Locale.ROOT));
            m.put("status", r.rule().status());
            m.put("tags", r.rule().tags());
            m.put("source", r.rule().source());
            out.add(m);
        }
        return out;
    }

    private static List<String> roles() { return List.of("viewer", "analyst", "admin"); }

    static Map<String, Object> record(CustodyRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", r.seq());
        m.put("actor", r.actor());
        m.put("action", r.action());
        m.put("artifact", r.artifact());
        m.put("sha256", r.sha256());
        m.put("time", r.time().toString());
        m.put("detail", r.detail());
        m.put("hash", r.hash());
        return m;
    }
}
