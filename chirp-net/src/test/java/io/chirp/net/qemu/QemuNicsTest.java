package io.chirp.net.qemu;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class QemuNicsTest {
    @Test
    void keyValueSyntaxAsTheLabWritesIt() {
        List<String> argv = List.of("qemu-system-x86_64", "-name", "x", "-netdev", "user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:8000-cmd:cat",
                "-device", "virtio-net-pci,netdev=net0,id=vnet0,mac=52:54:00:12:34:56");
        assertThat(QemuNics.netdevIds(argv)).containsExactly("net0");
        assertThat(QemuNics.mac(argv, "net0")).contains("52:54:00:12:34:56");
        assertThat(QemuNics.mac(argv, "net1")).isEmpty();
    }

    @Test
    void jsonSyntaxAsLibvirtWritesIt() {
        List<String> argv = List.of("/usr/bin/qemu-system-x86_64", "-netdev", "{\"type\":\"tap\",\"fd\":\"30\",\"id\":\"hostnet0\"}",
                "-device", "{\"driver\":\"virtio-net-pci\",\"netdev\":\"hostnet0\",\"id\":\"net0\",\"mac\":\"52:54:00:AB:CD:EF\"}",
                "-netdev", "{broken");
        assertThat(QemuNics.netdevIds(argv)).containsExactly("hostnet0");
        assertThat(QemuNics.mac(argv, "hostnet0")).contains("52:54:00:ab:cd:ef");
    }
}
