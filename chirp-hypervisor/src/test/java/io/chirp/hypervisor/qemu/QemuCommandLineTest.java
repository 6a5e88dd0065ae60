package io.chirp.hypervisor.qemu;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The one QEMU command-line reader, on both syntaxes as QEMU-direct (the lab) and libvirt write them. */
class QemuCommandLineTest {
    /** As libvirt 9 (Debian 12) starts a domain with a shared file-backed RAM, a qcow2 disk and a tap NIC. */
    private static final List<String> LIBVIRT = List.of("/usr/bin/qemu-system-x86_64",
            "-name", "guest=web,,01,debug-threads=on",
            "-object", "{\"qom-type\":\"secret\",\"id\":\"masterKey0\",\"format\":\"raw\",\"file\":\"/var/lib/libvirt/qemu/domain-1-web/master-key.aes\"}",
            "-machine", "pc-i440fx-7.2,usb=off,dump-guest-core=off,memory-backend=pc.ram",
            "-m", "size=524288k",
            "-object", "{\"qom-type\":\"memory-backend-file\",\"id\":\"pc.ram\",\"mem-path\":\"/dev/shm/lv/libvirt/qemu/1-web/pc.ram\",\"share\":true,\"x-use-canonical-path-for-ramblock-id\":false,\"size\":536870912}",
            "-uuid", "0b7c1d6e-4d1a-4a8e-9d8f-3c2b1a0f9e8d",
            "-chardev", "socket,id=charmonitor,fd=30,server=on,wait=off",
            "-mon", "chardev=charmonitor,id=monitor,mode=control",
            "-blockdev", "{\"driver\":\"file\",\"filename\":\"/var/lib/libvirt/images/web.qcow2\",\"node-name\":\"libvirt-1-storage\",\"auto-read-only\":true,\"discard\":\"unmap\"}",
            "-blockdev", "{\"node-name\":\"libvirt-1-format\",\"read-only\":false,\"driver\":\"qcow2\",\"file\":\"libvirt-1-storage\",\"backing\":null}",
            "-blockdev", "{\"driver\":\"qcow2\",\"node-name\":\"n\",\"file\":{\"driver\":\"file\",\"filename\":\"/x,y.qcow2\"},\"cache\":{\"direct\":true}}",
            "-netdev", "{\"type\":\"tap\",\"fd\":\"31\",\"vhost\":true,\"vhostfd\":\"33\",\"id\":\"hostnet0\"}",
            "-device", "{\"driver\":\"virtio-net-pci\",\"netdev\":\"hostnet0\",\"id\":\"net0\",\"mac\":\"52:54:00:AB:CD:EF\",\"bus\":\"pci.0\",\"addr\":\"0x3\"}",
            "-netdev", "user,id=chirpnet0,restrict=on,guestfwd=tcp:10.0.2.100:8000-cmd:cat",
            "-device", "virtio-net-pci,netdev=chirpnet0,id=chirpnic0,mac=52:54:00:12:34:56",
            "-netdev", "{broken");

    @Test
    void jsonObjectsAreReadLikeKeyValues() {
        QemuCommandLine cl = QemuCommandLine.of(LIBVIRT);
        List<Map<String, String>> objects = cl.all("-object", "qom-type");
        assertThat(objects).hasSize(2);
        Map<String, String> ram = objects.get(1);
        assertThat(ram).containsEntry("qom-type", "memory-backend-file").containsEntry("id", "pc.ram")
                .containsEntry("mem-path", "/dev/shm/lv/libvirt/qemu/1-web/pc.ram").containsEntry("share", "true")
                .containsEntry("size", "536870912");
        assertThat(QemuCommandLine.isTrue(ram.get("share"))).isTrue();
        assertThat(QemuCommandLine.size(ram.get("size"), 1)).isEqualTo(512L << 20);
    }

    @Test
    void blockdevsFlattenNestedObjectsAndKeepCommasInJson() {
        List<Map<String, String>> b = QemuCommandLine.of(LIBVIRT).all("-blockdev", "driver");
        assertThat(b).hasSize(3);
        assertThat(b.get(0)).containsEntry("filename", "/var/lib/libvirt/images/web.qcow2").containsEntry("auto-read-only", "true");
        assertThat(b.get(1)).containsEntry("file", "libvirt-1-storage").containsEntry("backing", "null");
        assertThat(b.get(2)).containsEntry("file.filename", "/x,y.qcow2").containsEntry("file.driver", "file")
                .containsEntry("cache.direct", "true");
    }

    @Test
    void doubledCommasEscapeAndImplicitKeysAndFlags() {
        QemuCommandLine cl = QemuCommandLine.of(LIBVIRT);
        assertThat(cl.last("-name", "guest").orElseThrow()).containsEntry("guest", "web,01").containsEntry("debug-threads", "on");
        assertThat(QemuCommandLine.keyValues("memory-backend-file,mem-path=/a,,b,share,prealloc=off", "qom-type"))
                .containsEntry("qom-type", "memory-backend-file").containsEntry("mem-path", "/a,b")
                .containsEntry("share", "on").containsEntry("prealloc", "off");
        assertThat(QemuCommandLine.size("size=524288k".substring(5), 1L << 20)).isEqualTo(512L << 20);
        assertThat(QemuCommandLine.size("512", 1L << 20)).isEqualTo(512L << 20);
        assertThat(QemuCommandLine.size("99999999999999999999", 1)).isZero();
        assertThat(QemuCommandLine.size("nonsense", 1)).isZero();
    }

    @Test
    void nicsOfBothSyntaxesAndBrokenJsonIsSkipped() {
        QemuCommandLine cl = QemuCommandLine.of(LIBVIRT);
        assertThat(cl.netdevIds()).containsExactly("hostnet0", "chirpnet0");
        assertThat(cl.mac("hostnet0")).contains("52:54:00:ab:cd:ef");
        assertThat(cl.mac("chirpnet0")).contains("52:54:00:12:34:56");
        assertThat(cl.nicModel("chirpnet0")).contains("virtio-net-pci");
        assertThat(cl.mac("none")).isEmpty();
    }

    @Test
    void doubleDashSpellingsAndFlags() {
        QemuCommandLine cl = QemuCommandLine.of(List.of("qemu-system-x86_64", "--name", "x", "-s", "--m", "1G"));
        assertThat(cl.values("-name")).containsExactly("x");
        assertThat(cl.has("-s")).isTrue();
        assertThat(QemuCommandLine.size(cl.values("-m").getFirst(), 1L << 20)).isEqualTo(1L << 30);
    }
}
