package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.fs.Mount;
import io.chirp.linux.fs.Mounts;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class MountsIT {
    /** The options Linux prints before the file system's own (show_vfsmnt: rw/ro, show_sb_opts, show_mnt_opts). */
    private static final Set<String> GENERIC = Set.of("rw", "ro", "sync", "dirsync", "mand", "lazytime", "nosuid",
            "nodev", "noexec", "noatime", "nodiratime", "relatime", "nosymfollow");

    @Test
    void liveMountsMatchProcMounts(LabGuest g) {
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            Mounts.Listing l = new Mounts(k).list();
            assertThat(l.complete()).as(l.problem()).isTrue();
            check(l.mounts(), g.groundTruth());
        }
    }

    /** Same mounts in the same order: device, mount point, type exactly; options as far as the generic ones go. */
    static void check(List<Mount> ours, GroundTruth gt) {
        List<String> expected = gt.section("mounts").stream().map(line -> {
            String[] f = line.split(" ");
            List<String> generic = Arrays.stream(f[3].split(",")).filter(GENERIC::contains).toList();
            return f[0] + " " + f[1] + " " + f[2] + " " + String.join(",", generic);
        }).toList();
        List<String> actual = ours.stream()
                .map(m -> m.device() + " " + m.mountPoint() + " " + m.fsType() + " " + String.join(",", m.options()))
                .toList();
        assertThat(expected).hasSizeGreaterThanOrEqualTo(7);
        assertThat(actual).isEqualTo(expected);
        assertThat(ours).allSatisfy(m -> assertThat(m.problems()).isEmpty());
        assertThat(ours).anySatisfy(m -> {
            assertThat(m.mountPoint()).isEqualTo("/mnt/data");
            assertThat(m.fsType()).isEqualTo("ext4");
            assertThat(m.readOnly()).isFalse();
        });
    }
}
