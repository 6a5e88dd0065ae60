package io.chirp.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.hypervisor.Target;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.tables.LinuxTables;
import io.chirp.tables.LinuxViews;
import io.chirp.tables.Rows;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The newer Linux views through {@code chirp serve} (psscan, files, ifconfig and mounts of every namespace, bpf
 * programs and maps, caps, shell history) on the guest that stages their objects (scenario kobjects): each route
 * answers a viewer with the declared table's columns and the rows the in-process view (what {@code chirp linux}
 * prints) gives, and those rows are held to the guest's own account in its ground truth. Anonymous callers are
 * refused. The server watches no VM here: the views read the guest on demand.
 */
@WithLabGuest(scenario = "kobjects")
class ServerViewsIT {
    private static ChirpServer server;
    private static Path home;
    private static ApiClient client;
    private static String viewer;

    private static synchronized void start() throws Exception {
        if (server != null) return;
        home = Files.createTempDirectory("chirp-serve-views-it");
        server = ChirpServer.start(ServerConfig.defaults(home).withPort(0)
                .withVms(List.of("no-such-vm-" + ProcessHandle.current().pid())));
        client = new ApiClient(server.uri());
        viewer = server.credentials().createToken("viewer", Role.VIEWER).secret();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
        if (home != null) {
            try (var files = Files.walk(home)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * {@return the API's answer for {@code route}, after checking it has the declared columns and the rows of the
     * in-process view (read between two fresh API reads: a guest that changed in between matches one of them)}
     */
    private static JsonNode sameAsInProcess(LabGuest g, String route, String table, Function<LinuxKernel, Rows> view) {
        String path = "/api/vms/" + g.name() + "/linux/" + route + (route.contains("?") ? "&" : "?") + "fresh=true";
        assertThat(client.get(path, null).status()).as("%s without a token", route).isEqualTo(401);
        List<String> tried = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            ApiClient.Answer before = client.get(path, viewer);
            assertThat(before.status()).as("%s: %s", route, before.body()).isEqualTo(200);
            Rows local;
            try (Target t = Target.vm(g.name())) {
                local = view.apply(LinuxKernel.attach(t.memory(), t.cpus()));
            }
            JsonNode after = client.get(path, viewer).json();
            JsonNode a = before.json();
            assertThat(a.path("table").asText()).isEqualTo(table);
            assertThat(a.path("columns").findValuesAsText("name")).as(route).isEqualTo(local.names());
            JsonNode mine = ApiClient.JSON.valueToTree(local.objects());
            // compared as text: Jackson's int and long nodes of one number are not equal()
            JsonNode same = a.path("rows").toString().equals(mine.toString()) ? a
                    : after.path("rows").toString().equals(mine.toString()) ? after : null;
            if (same != null) {
                List<String> problems = new ArrayList<>();
                same.path("problems").forEach(x -> problems.add(x.asText()));
                // a shell's heap may be partly paged out: then both say so, in the same words
                if (!route.startsWith("history")) assertThat(problems).as(route).isEmpty();
                else assertThat(problems).as(route).isEqualTo(local.problems());
                return same;
            }
            tried.add("API " + a.path("rows") + "\nin process " + mine);
        }
        throw new AssertionError(route + ": the API's rows never equalled the in-process view's:\n" + String.join("\n", tried));
    }

    @Test
    void bpfProgramsAndMapsAreTheGuestsFdinfo(LabGuest g) throws Exception {
        start();
        List<GroundTruth.BpfFd> fds = g.groundTruth().bpfFds();
        GroundTruth.BpfFd prog = fds.stream().filter(f -> f.link().equals("anon_inode:bpf-prog")).findFirst()
                .orElseThrow(() -> new AssertionError("the guest holds no bpf-prog fd"));
        GroundTruth.BpfFd map = fds.stream().filter(f -> f.link().equals("anon_inode:bpf-map")).findFirst().orElseThrow();

        JsonNode progs = sameAsInProcess(g, "bpf", "bpf_progs", k -> LinuxViews.bpf(k, false));
        JsonNode p = row(progs, r -> r.path("id").asText().equals(prog.fields().get("prog_id")));
        assertThat(p.path("tag").asText()).isEqualTo(prog.fields().get("prog_tag"));
        assertThat(p.path("type").asText()).isEqualTo("socket_filter");
        assertThat(p.path("name").asText()).isEqualTo("chirp_filter");
        assertThat(p.path("holders").asText()).contains(prog.pid() + "/chirp-kobjects:" + prog.fd());
        assertThat(p.path("maps").get(0).asText()).isEqualTo(map.fields().get("map_id"));
        assertThat(p.path("loaded_s").isNumber()).as("numbers are JSON numbers").isTrue();

        JsonNode maps = sameAsInProcess(g, "bpf/maps", "bpf_maps", k -> LinuxViews.bpf(k, true));
        JsonNode m = row(maps, r -> r.path("id").asText().equals(map.fields().get("map_id")));
        assertThat(m.path("type").asText()).isEqualTo("array");
        assertThat(m.path("key_size").asLong()).isEqualTo(Long.parseLong(map.fields().get("key_size")));
        assertThat(m.path("value_size").asLong()).isEqualTo(Long.parseLong(map.fields().get("value_size")));
        assertThat(m.path("max_entries").asLong()).isEqualTo(Long.parseLong(map.fields().get("max_entries")));
    }

    @Test
    void capabilitiesAndTracersAreTheGuestsStatusLines(LabGuest g) throws Exception {
        start();
        Map<Integer, GroundTruth.TaskStatus> status = g.groundTruth().taskStatus().stream()
                .collect(Collectors.toMap(GroundTruth.TaskStatus::pid, s -> s));
        JsonNode caps = sameAsInProcess(g, "caps?names=true", "caps", k -> LinuxViews.caps(k, false, false, true));
        int compared = 0;
        for (JsonNode r : caps.path("rows")) {
            GroundTruth.TaskStatus s = status.get(r.path("pid").asInt());
            if (s == null) continue; // a kernel thread, or started after the report
            assertThat(List.of(r.path("inheritable").asText(), r.path("permitted").asText(), r.path("effective").asText(),
                    r.path("bounding").asText(), r.path("ambient").asText())).as("pid %d", s.pid())
                    .containsExactly(hex(s.inheritable()), hex(s.permitted()), hex(s.effective()), hex(s.bounding()),
                            hex(s.ambient()));
            assertThat(r.path("tracer").asInt()).as("tracer of pid %d", s.pid()).isEqualTo(s.tracerPid());
            compared++;
        }
        assertThat(compared).isGreaterThan(5);
        JsonNode traced = sameAsInProcess(g, "caps?traced=true", "caps", k -> LinuxViews.caps(k, false, true, false));
        JsonNode loader = row(traced, r -> r.path("comm").asText().equals("chirp-kobjects") && r.path("tracer").asInt() == 0);
        assertThat(loader.path("tracees")).hasSize(1);
        assertThat(status.get(loader.path("tracees").get(0).asInt()).tracerPid()).isEqualTo(loader.path("pid").asInt());
        List<String> names = new ArrayList<>();
        row(caps, r -> r.path("pid").asInt() == loader.path("pid").asInt()).path("effective_names").forEach(n -> names.add(n.asText()));
        assertThat(names).as("root's effective set by name").contains("sys_admin", "bpf");
    }

    @Test
    void shellHistoriesAreTheShellsOwn(LabGuest g) throws Exception {
        start();
        List<GroundTruth.ShellCommand> bash = g.groundTruth().shellHistory().stream()
                .filter(c -> c.file().equals("history-bash.out")).toList();
        List<String> typed = new ArrayList<>(List.of(Scenario.SHELL_COMMANDS));
        typed.add("history");
        assertThat(bash).extracting(GroundTruth.ShellCommand::command).isEqualTo(typed);
        JsonNode h = sameAsInProcess(g, "history", "shell_history", k -> LinuxViews.history(k, null));
        List<JsonNode> fromBash = rows(h, r -> r.path("source").asText().equals("bash_history"));
        assertThat(fromBash).extracting(r -> r.path("command").asText()).isEqualTo(typed);
        for (int i = 0; i < bash.size(); i++) {
            assertThat(java.time.Instant.parse(fromBash.get(i).path("time_utc").asText()).getEpochSecond())
                    .as(bash.get(i).command()).isEqualTo(bash.get(i).epoch());
        }
        assertThat(rows(h, r -> r.path("source").asText().equals("busybox_lineedit"))).extracting(r -> r.path("command").asText())
                .isEqualTo(typed);
        int bashPid = fromBash.getFirst().path("pid").asInt();
        JsonNode one = sameAsInProcess(g, "history?pid=" + bashPid, "shell_history", k -> LinuxViews.history(k, bashPid));
        assertThat(one.path("rows").findValuesAsText("pid")).containsOnly(String.valueOf(bashPid));
    }

    @Test
    void mountsAndInterfacesOfEveryNamespaceAreTheGuestsOwn(LabGuest g) throws Exception {
        start();
        GroundTruth truth = g.groundTruth();
        Map<String, List<String>> nsMounts = truth.namespaceMounts();
        assertThat(nsMounts).as("a mount namespace besides init's").hasSizeGreaterThanOrEqualTo(2);
        JsonNode mounts = sameAsInProcess(g, "mounts?all_namespaces=true", "mounts", k -> LinuxViews.mounts(k, true));
        for (Map.Entry<String, List<String>> e : nsMounts.entrySet()) {
            long ns = GroundTruth.namespaceInode(e.getKey());
            // /proc/PID/mounts shows what is under the process's root; CHIRP lists the namespace's every mount
            Set<String> mine = rows(mounts, r -> r.path("mnt_ns").asLong() == ns).stream()
                    .map(r -> r.path("device").asText() + " " + r.path("mountpoint").asText()).collect(Collectors.toSet());
            assertThat(mine).as("mnt:[%d]", ns).containsAll(e.getValue().stream()
                    .map(l -> l.split(" ")[0] + " " + l.split(" ")[1]).toList());
        }
        assertThat(rows(mounts, r -> r.path("device").asText().equals("chirp-nsonly"))).hasSize(1);
        JsonNode initOnly = sameAsInProcess(g, "mounts", "mounts", LinuxViews::mounts);
        assertThat(initOnly.path("rows").findValuesAsText("device")).doesNotContain("chirp-nsonly");

        Map<String, List<String>> nsIfs = truth.namespaceInterfaces();
        assertThat(nsIfs).hasSizeGreaterThanOrEqualTo(2);
        JsonNode ifs = sameAsInProcess(g, "ifconfig?all_namespaces=true", "ifconfig", k -> LinuxViews.ifconfig(k, true));
        for (Map.Entry<String, List<String>> e : nsIfs.entrySet()) {
            long ns = GroundTruth.namespaceInode(e.getKey());
            assertThat(rows(ifs, r -> r.path("netns").asLong() == ns)).extracting(r -> r.path("name").asText())
                    .as("net:[%d]", ns).containsExactlyInAnyOrderElementsOf(e.getValue().stream().map(String::strip).toList());
        }
        JsonNode init = sameAsInProcess(g, "ifconfig", "ifconfig", LinuxViews::ifconfig);
        assertThat(row(init, r -> r.path("name").asText().equals("eth0")).path("addresses").asText()).isEqualTo("10.0.2.15/24");
    }

    @Test
    void aTmpfsFileAndExitedProcessesAreListedAsTheGuestSaysTheyAre(LabGuest g) throws Exception {
        start();
        // a file only the page cache holds (tmpfs): its inode and size as the guest's stat gives them
        String[] f = g.shell("printf 'chirp-api-files-%s' 4711 > /tmp/apifile; echo api=$(stat -c '%i:%s' /tmp/apifile"
                + " | sed 's/[0-9]/&_/g')", Duration.ofSeconds(120)).lines()
                .map(l -> LabGuest.squeeze(l.strip())).filter(l -> l.startsWith("api=")).findFirst().orElseThrow()
                .substring(4).replace("_", "").split(":");
        JsonNode files = sameAsInProcess(g, "files?mount=/tmp", "cached_files", k -> LinuxViews.files(k, false, "/tmp"));
        assertThat(files.path("rows").findValuesAsText("mountpoint")).containsOnly("/tmp");
        JsonNode apifile = row(files, r -> r.path("path").asText().equals("/apifile") || r.path("path").asText().equals("/tmp/apifile"));
        assertThat(apifile.path("inode").asLong()).isEqualTo(Long.parseLong(f[0]));
        assertThat(apifile.path("size").asLong()).isEqualTo(Long.parseLong(f[1].strip()));
        assertThat(apifile.path("resident_pages").asInt()).isEqualTo(1);
        assertThat(client.get("/api/vms/" + g.name() + "/linux/files?mount=tmp;rm", viewer).status()).isEqualTo(400);

        // short-lived processes with a name nothing else has; the guest says which pids they had (digits '_'-separated:
        // a byte the loaded serial log doubles is collapsed)
        Set<Integer> started = g.shell("cp /bin/busybox /tmp/zzapi; for i in $(seq 10); do /tmp/zzapi true & "
                        + "echo zzpid=$(echo $! | sed 's/./&_/g'); wait $!; done", Duration.ofSeconds(180)).lines()
                .map(l -> LabGuest.squeeze(l.strip())).filter(l -> l.startsWith("zpid="))
                .map(l -> Integer.parseInt(l.substring(5).replace("_", ""))).collect(Collectors.toSet());
        assertThat(started).hasSize(10);
        JsonNode carved = sameAsInProcess(g, "psscan", "psscan", k -> LinuxViews.psscan(k, false, null));
        List<JsonNode> exited = rows(carved, r -> r.path("comm").asText().equals("zzapi"));
        assertThat(exited).as("exited zzapi tasks still in slab memory").isNotEmpty().allSatisfy(r -> {
            assertThat(r.path("status").asText()).isEqualTo("exited");
            assertThat(started).contains(r.path("pid").asInt());
            assertThat(r.path("in_pid_table").asBoolean()).isFalse();
        });
        assertThat(carved.path("rows").findValuesAsText("status")).doesNotContain("listed", "hidden");
        JsonNode all = sameAsInProcess(g, "psscan?all=true&pid=1", "psscan", k -> LinuxViews.psscan(k, true, 1));
        assertThat(row(all, r -> r.path("tid").asInt() == 1).path("status").asText()).isEqualTo("listed");
    }

    @Test
    void kernelThreadsAreTheGuestsOwnAndNoneIsSuspicious(LabGuest g) throws Exception {
        start();
        Set<Integer> truth = g.groundTruth().processes().stream().filter(p -> p.ppid() == 2 && p.args().isBlank()
                && !p.comm().startsWith("kworker/")).map(GroundTruth.Process::pid).collect(Collectors.toSet());
        JsonNode k = sameAsInProcess(g, "kthreads", "kthreads", x -> LinuxViews.kthreads(x, false));
        Set<Integer> listed = new java.util.HashSet<>();
        k.path("rows").forEach(r -> listed.add(r.path("pid").asInt()));
        // kernel threads other than pool workers live as long as the kernel (ext4lazyinit is the one that ends)
        truth.removeIf(pid -> !listed.contains(pid) && g.groundTruth().processes().stream()
                .anyMatch(p -> p.pid() == pid && p.comm().equals("ext4lazyinit")));
        assertThat(listed).containsAll(truth).contains(2);
        assertThat(k.path("rows").findValuesAsText("suspicious")).containsOnly("false");
        assertThat(rows(k, r -> r.path("comm").asText().startsWith("ksoftirqd/"))).isNotEmpty()
                .allSatisfy(r -> assertThat(r.path("symbol").asText()).isEqualTo("smpboot_thread_fn"));
        JsonNode none = sameAsInProcess(g, "kthreads?suspicious=true", "kthreads", x -> LinuxViews.kthreads(x, true));
        assertThat(none.path("rows")).isEmpty();
    }

    @Test
    void carvedSocketsIncludeTheListenerInItsOwnNamespace(LabGuest g) throws Exception {
        start();
        // init's /proc/net/tcp* (the ground truth) cannot show the namespaced listener; the TCP slabs hold it anyway
        assertThat(g.groundTruth().sockets()).noneMatch(s -> s.localPort() == Scenario.NAMESPACE_PORT);
        JsonNode all = sameAsInProcess(g, "sockscan?all=true", "sockscan", k -> LinuxViews.sockscan(k, true));
        assertThat(rows(all, r -> r.path("local").asText().endsWith(":" + Scenario.NAMESPACE_PORT)
                && r.path("state").asText().equals("LISTEN"))).singleElement()
                .satisfies(r -> assertThat(r.path("status").asText()).isEqualTo("listed"));
        assertThat(all.path("rows").findValuesAsText("status")).doesNotContain("hidden");
        sameAsInProcess(g, "sockscan", "sockscan", k -> LinuxViews.sockscan(k, false));
    }

    @Test
    void everyLinuxTableHasARoute(LabGuest g) throws Exception {
        start();
        JsonNode doc = client.get("/api/openapi.json", viewer).json();
        Map<String, String> served = new HashMap<>();
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(o -> {
            String ref = o.getValue().at("/responses/200/content/application~1json/schema/$ref").asText();
            if (p.getKey().startsWith("/api/vms/{vm}/linux/")) served.put(ref.substring(ref.lastIndexOf('/') + 1), p.getKey());
        }));
        Set<String> tables = LinuxTables.all().stream().map(io.chirp.tables.TableDef::name).collect(Collectors.toSet());
        tables.removeAll(Set.of("check", "check_sections")); // both in linuxCheck's check_result
        assertThat(served.keySet()).as("%s", served).containsAll(tables).contains("check_result");
    }

    private static String hex(long v) { return String.format("%016x", v); }

    private static List<JsonNode> rows(JsonNode answer, java.util.function.Predicate<JsonNode> p) {
        List<JsonNode> out = new ArrayList<>();
        answer.path("rows").forEach(r -> { if (p.test(r)) out.add(r); });
        return out;
    }

    private static JsonNode row(JsonNode answer, java.util.function.Predicate<JsonNode> p) {
        return rows(answer, p).stream().findFirst().orElseThrow(() -> new AssertionError("no such row in " + answer.path("rows")));
    }
}
