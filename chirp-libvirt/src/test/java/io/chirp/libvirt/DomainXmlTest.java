package io.chirp.libvirt;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The domain XML reader on a transcript captured from libvirt 9.0 (virsh dumpxml of the running lab domain). */
class DomainXmlTest {

    private static String captured() throws IOException {
        try (InputStream in = DomainXmlTest.class.getResourceAsStream("domain-running.xml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void readsIdentityMemoryDisksNicsAndPassthrough() throws IOException {
        DomainXml x = DomainXml.parse(captured());
        assertThat(x.name()).isEqualTo("chirp-lv-capture");
        assertThat(x.uuid()).isEqualTo("6cf065e5-b10d-44db-847f-1552774e0457");
        assertThat(x.type()).isEqualTo("qemu");
        assertThat(x.memoryKiB()).isEqualTo(524288);
        assertThat(x.sharedFileMemory()).isTrue();
        assertThat(x.disks()).singleElement().satisfies(d -> {
            assertThat(d.type()).isEqualTo("file");
            assertThat(d.device()).isEqualTo("disk");
            assertThat(d.source()).isEqualTo("/root/.cache/chirp/lvcap/dom/disk.qcow2");
            assertThat(d.format()).isEqualTo("qcow2");
            assertThat(d.target()).isEqualTo("vda");
            assertThat(d.bus()).isEqualTo("virtio");
            assertThat(d.alias()).isEqualTo("virtio-disk0");
            assertThat(d.readOnly()).isFalse();
            assertThat(d.backing()).containsExactly("/root/.cache/chirp/lab/ef595cd5cba77ae5/disk.raw");
        });
        assertThat(x.nics()).singleElement().isEqualTo(new DomainXml.Nic("udp", "52:54:00:c4:1a:7f", "virtio",
                "127.0.0.1:23456", null, "net0"));
        assertThat(x.qemuArgs()).containsExactly("-netdev", "user,id=chirpnet0,restrict=on", "-device",
                "virtio-net-pci,netdev=chirpnet0,id=chirpnic0,mac=52:54:00:12:34:56,bus=pci.0,addr=0x10");
    }

    @Test
    void anonymousMemoryIsNotTakenForAFile() {
        DomainXml x = DomainXml.parse("<domain type='kvm'><name>a</name><memory unit='GiB'>2</memory>"
                + "<memoryBacking><access mode='shared'/></memoryBacking><devices/></domain>");
        assertThat(x.memoryKiB()).isEqualTo(2L << 20);
        assertThat(x.sharedFileMemory()).isFalse();
        assertThat(x.disks()).isEmpty();
        assertThat(x.nics()).isEmpty();
    }

    @Test
    void refusesEntitiesAndDoctypes() {
        // an external entity would read a host file into the name; an internal one could expand without bound
        String xxe = "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                + "<domain><name>&x;</name></domain>";
        assertThatThrownBy(() -> DomainXml.parse(xxe)).isInstanceOf(ChirpException.class).hasMessageContaining("DOCTYPE");
        String bomb = "<!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]><domain><name>&b;</name></domain>";
        assertThatThrownBy(() -> DomainXml.parse(bomb)).isInstanceOf(ChirpException.class);
    }

    @Test
    void refusesWhatIsNotADomain() {
        assertThatThrownBy(() -> DomainXml.parse("<network><name>default</name></network>"))
                .isInstanceOf(ChirpException.class).hasMessageContaining("not a domain XML");
        assertThatThrownBy(() -> DomainXml.parse("<domain><name>a</name>")).isInstanceOf(ChirpException.class)
                .hasMessageContaining("well-formed");
        assertThatThrownBy(() -> DomainXml.parse("<domain><memory unit='parsecs'>1</memory></domain>"))
                .isInstanceOf(ChirpException.class).hasMessageContaining("unit");
    }
}
