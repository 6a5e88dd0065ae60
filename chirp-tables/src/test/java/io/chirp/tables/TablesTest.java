package io.chirp.tables;

import io.chirp.linux.LinuxProcess;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The declared tables carry exactly the columns the CLI prints today, typed. */
class TablesTest {
    @Test
    void columnsAreTheOnesTheCliPrints() {
        // the column lists of chirp-cli's linux commands, VmCommand, RegsCommand and EventsCommand as of this change
        assertThat(LinuxTables.PSLIST.names(false)).containsExactly("pid", "tid", "ppid", "comm", "uid", "gid", "euid", "state",
                "start_s", "start_utc", "kthread", "exe", "task");
        assertThat(LinuxTables.PSAUX.names(false)).containsExactly("pid", "ppid", "uid", "comm", "cmdline", "truncated");
        assertThat(LinuxTables.PSAUX.names(true)).containsExactly("pid", "ppid", "uid", "comm", "cmdline", "truncated", "environment");
        assertThat(LinuxTables.PSTREE.names(false)).containsExactly("depth", "pid", "ppid", "comm", "cmdline");
        assertThat(LinuxTables.LSMOD.names(false)).containsExactly("name", "base", "size", "state", "refs", "taints", "struct");
        assertThat(LinuxTables.LSMOD.names(true)).endsWith("struct", "parameters");
        assertThat(LinuxTables.SOCKETS.names(false)).containsExactly("proto", "type", "state", "local", "remote", "inode",
                "owners", "seen", "sock", "netns");
        assertThat(LinuxTables.LSOF.names(false)).containsExactly("pid", "comm", "fd", "type", "mode", "flags", "pos", "inode", "name");
        assertThat(LinuxTables.MAPS.names(false)).containsExactly("pid", "comm", "start", "end", "perms", "offset", "dev", "inode", "path");
        assertThat(LinuxTables.MOUNTS.names(false)).containsExactly("device", "mountpoint", "type", "options", "mnt_ns");
        assertThat(LinuxTables.DMESG.names(false)).containsExactly("seq", "time", "seconds", "time_utc", "level", "facility", "caller", "text");
        assertThat(LinuxTables.CHECK.names(false)).containsExactly("severity", "check", "finding", "evidence");
        assertThat(LinuxTables.CHECK_SECTIONS.names(false)).containsExactly("check", "examined", "findings", "complete");
        assertThat(LinuxTables.CHECK_SECTIONS.names(true)).as("check's JSON").endsWith("complete", "problems");
        assertThat(HostTables.VMS.names(false)).containsExactly("name", "backend", "state", "uuid", "pid", "memory", "memory_path",
                "ram_file", "qmp_socket", "gdbstub", "chirp", "held_by", "capabilities");
        assertThat(HostTables.RULE_CHECKS.names(false)).containsExactly("status", "category", "rule", "id", "title", "reason");
        assertThat(HostTables.REGISTERS.names(false)).containsExactly("vcpu", "register", "value");
        assertThat(HostTables.EVENTS.names(false)).containsExactly("time", "vm", "class", "activity", "severity", "summary", "uid");
        assertThat(Tables.all()).extracting(TableDef::name).doesNotHaveDuplicates().hasSize(31);
        assertThat(Tables.all()).allSatisfy(t -> assertThat(t.columns()).allSatisfy(c -> assertThat(c.doc()).isNotBlank()));
    }

    @Test
    void cellsAreTypedAndTheirTextIsWhatTheCliShows() {
        LinuxProcess p = new LinuxProcess(42, 42, 1, "sshd", 0, 0, 0, 0, 12.3456, "S", false, 0xffff_8880_0123_4000L, 0, 0,
                "/usr/sbin/sshd -D", false, "/usr/sbin/sshd", List.of());
        // the guest booted at 2026-01-01T00:00:00Z (offs_real), so a start 12.3456 s after boot is then in UTC
        io.chirp.linux.KernelClock clock = new io.chirp.linux.KernelClock(1_767_225_600_000_000_000L, 0, 1_767_225_700L);
        Rows r = LinuxTables.PSLIST.rows(List.of(new LinuxTables.PsRow(p, clock)), false, List.of("process list is partial: cycle"));
        Map<String, Object> row = r.objects().getFirst();
        assertThat(row.get("pid")).isEqualTo(42);
        assertThat(row.get("start_s")).isEqualTo(12.3456);
        assertThat(row.get("start_utc")).isEqualTo("2026-01-01T00:00:12.345600Z");
        assertThat(row.get("kthread")).isEqualTo(false);
        assertThat(row.get("task")).isEqualTo("0xffff888001234000");
        assertThat(r.text().getFirst()).containsExactly("42", "42", "1", "sshd", "0", "0", "0", "S", "12.35", "2026-01-01T00:00:12.345600Z", "false",
                "/usr/sbin/sshd", "0xffff888001234000");
        assertThat(r.complete()).isFalse();
        assertThat(r.problems()).containsExactly("process list is partial: cycle");
        // a kernel thread's psaux command line is its name in brackets, as ps shows it
        LinuxProcess k = new LinuxProcess(2, 2, 0, "kthreadd", 0, 0, 0, 0, null, "S", true, 0x1000, 0, 0, null, false, null, List.of());
        assertThat(LinuxTables.PSAUX.rows(List.of(new LinuxTables.PsAuxRow(k, null))).objects().getFirst().get("cmdline"))
                .isEqualTo("[kthreadd]");
    }

    @Test
    void treesFollowParentsAndSurviveCycles() {
        LinuxProcess init = proc(1, 0), a = proc(10, 1), b = proc(11, 10), loop1 = proc(20, 21), loop2 = proc(21, 20);
        List<LinuxTables.TreeRow> rows = LinuxViews.tree(List.of(b, a, init, loop1, loop2));
        assertThat(rows).extracting(r -> r.process().tgid() + "@" + r.depth()).startsWith("1@0", "10@1", "11@2");
        assertThat(rows).as("a parent cycle in hostile memory is not followed forever").hasSizeLessThanOrEqualTo(5);
    }

    private static LinuxProcess proc(int pid, int ppid) {
        return new LinuxProcess(pid, pid, ppid, "p" + pid, 0, 0, 0, 0, null, "S", false, pid, 0, 0, null, false, null, List.of());
    }
}
