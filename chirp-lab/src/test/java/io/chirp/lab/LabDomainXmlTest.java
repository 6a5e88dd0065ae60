package io.chirp.lab;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The lab domain's XML, as written (the IT boots it; this checks what it says without a daemon). */
class LabDomainXmlTest {

    @Test
    void declaresSharedFileRamRestrictedNetAndEscapesPaths() throws Exception {
        GuestImage img = new GuestImage(Path.of("/img"), Path.of("/img/vmlinuz"), Path.of("/img/initrd"),
                Path.of("/img/disk.raw"), "6.1.0-1-amd64", "linux-image-6.1.0-1-amd64 6.1", "linux-image-amd64", java.util.List.of(), Map.of());
        String xml = LabDomain.xml("chirp-lv-t", Lab.Options.defaults(), img, Path.of("/d/it's&<me>/initrd.img"),
                Path.of("/d/disk.qcow2"), Path.of("/d/serial.log"), Path.of("/d/serial.sock"), 23456, "52:54:00:c4:1a:01");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        Element root = doc.getDocumentElement();
        assertThat(root.getElementsByTagName("initrd").item(0).getTextContent()).isEqualTo("/d/it's&<me>/initrd.img");
        assertThat(((Element) root.getElementsByTagName("source").item(0)).getAttribute("type")).isEqualTo("file");
        assertThat(((Element) root.getElementsByTagName("access").item(0)).getAttribute("mode")).isEqualTo("shared");
        assertThat(root.getElementsByTagName("memory").item(0).getTextContent()).isEqualTo(Long.toString(512L << 10));
        var args = root.getElementsByTagNameNS("http://libvirt.org/schemas/domain/qemu/1.0", "arg");
        // the standard scenario's echo forward rides on the restricted netdev
        assertThat(((Element) args.item(1)).getAttribute("value"))
                .startsWith("user,id=chirpnet0,restrict=on,guestfwd=tcp:10.0.2.100:8000-cmd:cat");
        // libvirt's own NIC goes to loopback only
        Element nic = (Element) root.getElementsByTagName("interface").item(0);
        assertThat(nic.getAttribute("type")).isEqualTo("udp");
        assertThat(xml).doesNotContain("type='user'").doesNotContain("type='network'");
        assertThat(((Element) nic.getElementsByTagName("source").item(0)).getAttribute("address")).isEqualTo("127.0.0.1");
        assertThat(((Element) nic.getElementsByTagName("local").item(0)).getAttribute("address")).isEqualTo("127.0.0.1");
    }
}
