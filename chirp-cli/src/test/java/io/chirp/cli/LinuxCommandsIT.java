package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code chirp linux} view on a real lab guest running a process whose command line is hostile (an OSC title
 * sequence, an 8-bit CSI, a right-to-left override): each view, in each format, exits with a result code and prints
 * nothing a terminal would obey. Also the lab and regs commands' checks that need a running guest.
 */
@WithLabGuest
class LinuxCommandsIT {
    /** What the hostile process's last argument is, as the guest's printf writes it (octal: ESC, BEL, C2 9B, E2 80 AE). */
    static final String PRINTF = "x\\033]0;pwn\\007\\302\\233\\342\\200\\256y";
    static final String HOSTILE = "x\u001b]0;pwn\u0007\u009b\u202ey";
    static LabGuest guest;

    @BeforeAll
    static void startAHostileProcess(LabGuest g) {
        guest = g;
        g.shell("sh -c 'sleep 100000; :' \"$(printf '" + PRINTF + "')\" >/dev/null 2>&1 &", Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopIt() {
        if (guest != null && guest.isAlive()) guest.shell("pkill -f 'sleep 100000; :'", Duration.ofSeconds(60));
    }

    static CommandTreeTest.Run chirp(String... args) { return CommandTreeTest.run(args); }

    @Test
    void everyViewInEveryFormatIsInertAndEndsWithAResultCode(LabGuest g) throws Exception {
        CommandTreeTest.Run ps = chirp("linux", "psaux", "--vm", g.name(), "--format", "json");
        assertThat(ps.code()).as(ps.err()).isIn(ExitCode.OK.code(), ExitCode.PARTIAL.code());
        int pid = -1;
        for (JsonNode row : new ObjectMapper().readTree(ps.out())) {
            if (row.path("cmdline").asText().endsWith(HOSTILE)) pid = row.get("pid").asInt();
        }
        assertThat(pid).as("the hostile process in %s", ps.out()).isPositive();
        List<List<String>> views = List.of(List.of("pslist"), List.of("psaux"), List.of("pstree"), List.of("lsmod"),
                List.of("sockets"), List.of("lsof", "--pid", "1," + pid), List.of("maps", "--pid", Integer.toString(pid)),
                List.of("mounts"), List.of("ifconfig"), List.of("files", "--mount", "/tmp"), List.of("dmesg", "--level", "4"),
                List.of("bpf"), List.of("bpf", "--maps"), List.of("caps", "--names"), List.of("history"),
                List.of("mounts", "--all-namespaces"), List.of("ifconfig", "--all-namespaces"), List.of("kthreads"),
                List.of("sockscan", "--all"), List.of("check"));
        for (List<String> view : views) {
            for (Table.Format f : Table.Format.values()) {
                List<String> args = new ArrayList<>(List.of("linux"));
                args.addAll(view);
                args.addAll(List.of("--vm", g.name(), "--format", f.name()));
                CommandTreeTest.Run r = chirp(args.toArray(String[]::new));
                String what = String.join(" ", args);
                if (view.getFirst().equals("check")) {
                    // the standard scenario's masquerades (evil_miner, kworkerd) are findings
                    assertThat(r.code()).as(what + ": " + r.err()).isEqualTo(ExitCode.FINDINGS.code());
                    assertThat(r.out()).as(what).contains("masquerade");
                } else {
                    assertThat(r.code()).as(what + ": " + r.err()).isIn(ExitCode.OK.code(), ExitCode.PARTIAL.code());
                }
                if (r.code() == ExitCode.PARTIAL.code()) assertThat(r.err()).as(what).contains("partial");
                TableTest.assertInert(r.out());
                TableTest.assertInert(r.err());
                assertThat(r.out()).as(what).isNotBlank();
                if (List.of("psaux", "pstree").contains(view.getFirst()) && f != Table.Format.json) {
                    assertThat(r.out()).as(what).contains("x\\x1b]0;pwn\\x07\\u009b\\u202ey");
                }
            }
        }
    }

    @Test
    void labTruthSectionsAreChecked(LabGuest g) {
        CommandTreeTest.Run bad = chirp("lab", "truth", g.name(), "--section", "bogus");
        assertThat(bad.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("no section 'bogus'", "processes", "kallsyms");
        CommandTreeTest.Run uname = chirp("lab", "truth", g.name(), "--section", "uname");
        assertThat(uname.code()).as(uname.err()).isZero();
        assertThat(uname.out()).startsWith("@@ uname\n").contains(g.groundTruth().kernelRelease());
    }

    @Test
    void registersOfARunningVm(LabGuest g) {
        CommandTreeTest.Run r = chirp("regs", "--vm", g.name(), "--format", "csv");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("0,rip,0x", "0,cr3,0x");
    }

    @Test
    void physicalReadOfTheLastPageOfRamAndBeyond(LabGuest g) {
        long end = g.memoryBytes();
        CommandTreeTest.Run r = chirp("read", "--vm", g.name(), "--phys", Long.toString(end - 16), "32");
        // Below 4 GiB a 512 MiB guest's RAM ends at its size; what follows is not RAM.
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.PARTIAL.code());
        assertThat(r.out()).contains(String.format("%016x  ?? ??", end));
        assertThat(r.err()).contains(String.format("hole: 0x%x +0x10", end));
    }
}
