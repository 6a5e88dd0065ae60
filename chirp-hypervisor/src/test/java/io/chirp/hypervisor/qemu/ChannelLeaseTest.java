package io.chirp.hypervisor.qemu;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Lease records on real files and real processes: a live holder is named, a dead or reused pid is not. */
class ChannelLeaseTest {
    private static String endpoint(String what) {
        return "/tmp/chirp-lease-test-" + ProcessHandle.current().pid() + "-" + what + "/qmp.sock";
    }

    @Test
    void aLiveHolderIsReadBackWithWhatItPublished() throws Exception {
        String ep = endpoint("live");
        ChannelLease l = ChannelLease.write("qmp", ep, "tracer", Map.of());
        try {
            l = l.publish("mtree", "FlatView #0\n");
            Optional<ChannelLease> back = ChannelLease.read("qmp", ep);
            assertThat(back).isPresent();
            assertThat(back.get().pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(back.get().isOurs()).isTrue();
            assertThat(back.get().purpose()).isEqualTo("tracer");
            assertThat(back.get().published()).containsEntry("mtree", "FlatView #0\n");
            assertThat(back.get().describe()).contains("pid " + ProcessHandle.current().pid()).contains("tracer");
            // owner-only, like all of CHIRP's state
            assertThat(Files.getPosixFilePermissions(ChannelLease.file("qmp", ep)))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            assertThat(ChannelLease.read("gdb", ep)).as("another channel of the same endpoint").isEmpty();
        } finally {
            l.remove();
        }
        assertThat(ChannelLease.read("qmp", ep)).isEmpty();
        assertThat(ChannelLease.file("qmp", ep)).doesNotExist();
    }

    @Test
    void aDeadHoldersRecordIsStaleAndRemoved() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        String ep = endpoint("dead");
        write(ep, p.pid(), Instant.now().toEpochMilli());
        assertThat(ChannelLease.read("qmp", ep)).isEmpty();
        assertThat(ChannelLease.file("qmp", ep)).as("a stale record is cleaned up by its reader").doesNotExist();
    }

    @Test
    void writingARecordSweepsAwayDeadHoldersRecords() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        String dead = endpoint("swept");
        write(dead, p.pid(), Instant.now().toEpochMilli());
        ChannelLease l = ChannelLease.write("gdb", endpoint("sweeper"), "", Map.of());
        try {
            assertThat(ChannelLease.file("qmp", dead)).as("nobody reads that endpoint again, yet it is gone").doesNotExist();
        } finally {
            l.remove();
        }
    }

    @Test
    void aReusedPidIsNotTheHolder() throws Exception {
        String ep = endpoint("reused");
        // our own pid, but a start time an hour off: the process that wrote this is not us
        write(ep, ProcessHandle.current().pid(), ProcessHandle.current().info().startInstant().orElseThrow()
                .minusSeconds(3600).toEpochMilli());
        assertThat(ChannelLease.read("qmp", ep)).isEmpty();
        assertThat(ChannelLease.file("qmp", ep)).doesNotExist();
    }

    @Test
    void theHolderNamesItselfByItsChirpSubcommand() {
        String old = System.getProperty("sun.java.command");
        try {
            System.setProperty("sun.java.command", "io.chirp.cli.Main linux pslist --vm lab");
            assertThat(ChannelLease.selfCommand()).isEqualTo("chirp linux pslist");
            System.setProperty("sun.java.command", "io.chirp.cli.Main monitor --vm lab --trace");
            assertThat(ChannelLease.selfCommand()).isEqualTo("chirp monitor");
            System.setProperty("chirp.holder", "chirp server");
            assertThat(ChannelLease.selfCommand()).isEqualTo("chirp server");
        } finally {
            System.clearProperty("chirp.holder");
            if (old != null) System.setProperty("sun.java.command", old);
        }
    }

    private static void write(String ep, long pid, long started) throws Exception {
        Path f = ChannelLease.file("qmp", ep);
        Files.createDirectories(f.getParent());
        Files.writeString(f, "{\"channel\":\"qmp\",\"endpoint\":\"" + ep + "\",\"pid\":" + pid + ",\"started_at\":" + started
                + ",\"command\":\"chirp monitor\",\"purpose\":\"\",\"since\":0,\"published\":{}}");
    }
}
