package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.fs.FileInfo;
import io.chirp.linux.fs.OpenFile;
import io.chirp.linux.fs.OpenFiles;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class OpenFilesIT {

    @Test
    void liveDescriptorTablesMatchProcFd(LabGuest g) {
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            OpenFiles.Listing l = new OpenFiles(k).list();
            assertThat(l.complete()).as("%s", l.problems()).isTrue();
            check(l.files(), g.groundTruth());
        }
    }

    @Test
    void onlyTheAskedProcessIsRead(LabGuest g) {
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            int sleeper = holderOfSecret(new OpenFiles(k).list().files());
            List<OpenFile> one = new OpenFiles(k).list(pid -> pid == sleeper).files();
            assertThat(one).isNotEmpty().allSatisfy(f -> assertThat(f.pid()).isEqualTo(sleeper));
        }
    }

    /**
     * The guest's report lists {@code pid|fd|readlink} for every descriptor. The scenario's processes never change
     * their descriptors, so for each of them the sets must be equal; pid 1 is the shell that ran the report (its
     * descriptors were the report's own pipes) and is left out.
     */
    static void check(List<OpenFile> ours, GroundTruth gt) {
        Set<String> scenarioPids = new HashSet<>();
        for (GroundTruth.Process p : gt.processes()) {
            if (p.pid() > 1 && p.uid() >= 0 && !p.args().isEmpty() && p.ppid() == 1) scenarioPids.add(Integer.toString(p.pid()));
        }
        // A pid that is gone since the report (a short-lived child) cannot be compared.
        scenarioPids.retainAll(ours.stream().map(o -> Integer.toString(o.pid())).toList());
        Set<String> expected = new TreeSet<>();
        for (String line : gt.section("open-files")) {
            String[] f = line.split("\\|", 3);
            if (f.length == 3 && scenarioPids.contains(f[0])) expected.add(line);
        }
        Set<String> actual = new TreeSet<>();
        for (OpenFile o : ours) {
            if (scenarioPids.contains(Integer.toString(o.pid()))) actual.add(o.pid() + "|" + o.fd() + "|" + o.file().name());
        }
        assertThat(expected).hasSizeGreaterThan(15);
        assertThat(actual).isEqualTo(expected);
        assertThat(ours).allSatisfy(o -> assertThat(o.file().problems()).as("%s", o).isEmpty());
        OpenFile secret = ours.stream().filter(o -> "/mnt/data/secret.txt".equals(o.file().name())).findFirst().orElseThrow();
        assertThat(secret.fd()).isEqualTo(3);
        assertThat(secret.file().kind()).isEqualTo(FileInfo.Kind.REGULAR);
        assertThat(secret.file().mode()).isEqualTo("r");
        assertThat(secret.file().deviceText()).isEqualTo("fe:00"); // virtio-blk vda: major 254
        assertThat(ours).anySatisfy(o -> assertThat(o.file().kind()).isEqualTo(FileInfo.Kind.SOCKET));
        assertThat(ours).anySatisfy(o -> assertThat(o.file().kind()).isEqualTo(FileInfo.Kind.PIPE));
    }

    static int holderOfSecret(List<OpenFile> files) {
        return files.stream().filter(o -> "/mnt/data/secret.txt".equals(o.file().name())).findFirst().orElseThrow().pid();
    }
}
