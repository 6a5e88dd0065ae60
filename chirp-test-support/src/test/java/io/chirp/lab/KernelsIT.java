package io.chirp.lab;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kernel flavour Debian 12's apt serves boots to its ground truth: 6.1 and 6.12, generic, cloud (virtio and
 * ext4 built in) and PREEMPT_RT. Each nested class costs one .deb download and image build (cached) and one boot;
 * each class has a guest of its own (they load a module), torn down when the class ends.
 */
class KernelsIT {

    /** What every lab kernel must give: its own release, its disk and network up, the symbols CHIRP needs. */
    abstract static class Boots {
        abstract String kernel();

        /** {@return what {@code uname -r} must start with: the series apt serves for this package} */
        abstract String series();

        /** {@return what {@code uname -r} must end with: the flavour} */
        abstract String flavour();

        @Test
        void bootsToItsGroundTruth(LabGuest g) {
            GuestImage image = new GuestImageBuilder(LabHome.fromEnvironment(), kernel()).build();
            GroundTruth gt = g.groundTruth();
            assertThat(gt.kernelRelease()).isEqualTo(image.kernelRelease()).startsWith(series()).endsWith(flavour());
            assertThat(image.kernelRequest()).isEqualTo(kernel());
            assertThat(image.kernelPackage()).startsWith("linux-image-" + gt.kernelRelease() + "_");
            // Each module the lab needs is loaded, or built into this kernel and so absent from /proc/modules.
            for (String m : List.of("virtio_pci", "virtio_net", "virtio_blk", "ext4")) {
                if (image.builtinModules().contains(m)) {
                    assertThat(gt.modules()).as("built-in %s is no module", m).doesNotContain(m);
                } else {
                    assertThat(gt.modules()).as("module %s", m).contains(m);
                }
            }
            assertThat(g.serialText()).doesNotContain("FAILED");
            assertThat(gt.section("mounts")).anySatisfy(m -> assertThat(m).startsWith("/dev/vda /mnt/data ext4"));
            assertThat(gt.processes()).anySatisfy(p -> assertThat(p.comm()).isEqualTo("evil_miner"));
            assertThat(gt.sockets()).anySatisfy(s -> {
                assertThat(s.localPort()).isEqualTo(4444);
                assertThat(s.state()).isEqualTo(0x0A);
            });
            assertThat(gt.sockets()).anySatisfy(s -> {
                assertThat(s.remotePort()).isEqualTo(8000);
                assertThat(s.state()).isEqualTo(0x01);
            });
            assertThat(gt.kallsyms()).containsKeys("init_task", "linux_banner", "_text", "sys_call_table");
            // 6.9 and later dispatch system calls through x64_sys_call (a switch), not through sys_call_table.
            if (series().startsWith("6.12")) assertThat(gt.kallsyms()).containsKey("x64_sys_call");
        }

        @Test
        void theExtraModulesLoad(LabGuest g) {
            String out = g.shell("insmod /lib/modules/extra/dummy.ko; echo rc=$?; grep -c '^dummy ' /proc/modules",
                    Duration.ofSeconds(60));
            assertThat(out).contains("rc=0").containsPattern("(?m)^1\\s*$");
        }
    }

    @Nested
    @WithLabGuest(shared = false)
    class Debian61Generic extends Boots {
        String kernel() { return GuestImageBuilder.DEFAULT_KERNEL; }
        String series() { return "6.1."; }
        String flavour() { return "-amd64"; }
    }

    @Nested
    @WithLabGuest(kernel = "linux-image-cloud-amd64", shared = false)
    class Debian61Cloud extends Boots {
        String kernel() { return "linux-image-cloud-amd64"; }
        String series() { return "6.1."; }
        String flavour() { return "-cloud-amd64"; }
    }

    @Nested
    @WithLabGuest(kernel = "linux-image-rt-amd64", shared = false)
    class Debian61Rt extends Boots {
        String kernel() { return "linux-image-rt-amd64"; }
        String series() { return "6.1."; }
        String flavour() { return "-rt-amd64"; }
    }

    @Nested
    @WithLabGuest(kernel = "linux-image-6.12-amd64", shared = false)
    class Debian612Generic extends Boots {
        String kernel() { return "linux-image-6.12-amd64"; }
        String series() { return "6.12."; }
        String flavour() { return "-amd64"; }
    }

    @Nested
    @WithLabGuest(kernel = "linux-image-6.12-cloud-amd64", shared = false)
    class Debian612Cloud extends Boots {
        String kernel() { return "linux-image-6.12-cloud-amd64"; }
        String series() { return "6.12."; }
        String flavour() { return "-cloud-amd64"; }
    }

    @Nested
    @WithLabGuest(kernel = "linux-image-6.12-rt-amd64", shared = false)
    class Debian612Rt extends Boots {
        String kernel() { return "linux-image-6.12-rt-amd64"; }
        String series() { return "6.12."; }
        String flavour() { return "-rt-amd64"; }
    }
}
