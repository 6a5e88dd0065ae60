package io.chirp.libvirt;

import io.chirp.core.ChirpException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

/**
 * What CHIRP needs from a libvirt domain XML: identity, memory backing, disks, NICs and any QEMU command-line
 * passthrough. Parsed with the JDK's DOM parser locked down: no DOCTYPE at all (so no entities, internal or
 * external), no external DTD or schema, no XInclude. libvirt's XML is not the guest's, but it carries names an
 * administrator (or a tenant, through a management layer) chose.
 *
 * @param name         the domain name
 * @param uuid         its UUID
 * @param type         the hypervisor type ({@code kvm}, {@code qemu})
 * @param memoryKiB    {@code <memory>} in KiB
 * @param fileBacked   {@code <memoryBacking><source type='file'/>}
 * @param sharedAccess {@code <memoryBacking><access mode='shared'/>}: with a file source, the RAM file CHIRP maps
 * @param disks        {@code <devices><disk>}
 * @param nics         {@code <devices><interface>}
 * @param qemuArgs     {@code <qemu:commandline><qemu:arg value=...>}, in order (devices libvirt does not describe)
 */
public record DomainXml(String name, String uuid, String type, long memoryKiB, boolean fileBacked,
                        boolean sharedAccess, List<Disk> disks, List<Nic> nics, List<String> qemuArgs) {
    private static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";
    private static final int MAX_CHARS = 16 << 20;
    private static final int MAX_DEVICES = 4096;

    /**
     * A disk.
     *
     * @param type     {@code file}, {@code block}, {@code network}, {@code volume}
     * @param device   {@code disk}, {@code cdrom}, {@code floppy}, {@code lun}
     * @param source   file or device path, or {@code protocol:name} for a network disk; null for an empty drive
     * @param format   the image format ({@code <driver type=...>}), e.g. qcow2, raw
     * @param target   the guest-side name ({@code vda})
     * @param bus      {@code virtio}, {@code sata}, ...
     * @param readOnly {@code <readonly/>}
     * @param alias    libvirt's device alias ({@code virtio-disk0}), when the domain runs
     * @param backing  the backing chain below the source, nearest first ({@code <backingStore>}, as libvirt reports
     *                 it for a running domain): an image acquired from the source alone would miss these layers
     */
    public record Disk(String type, String device, String source, String format, String target, String bus,
                       boolean readOnly, String alias, List<String> backing) {}

    /**
     * A network interface.
     *
     * @param type   {@code network}, {@code bridge}, {@code user}, {@code ethernet}, {@code udp}, ...
     * @param mac    its MAC address
     * @param model  the device model ({@code virtio})
     * @param source the network or bridge name, or address:port for socket types; null if none
     * @param target the host-side device ({@code vnet0}), when there is one
     * @param alias  libvirt's device alias ({@code net0}), when the domain runs
     */
    public record Nic(String type, String mac, String model, String source, String target, String alias) {}

    /** Parses a domain XML strictly. */
    public static DomainXml parse(String xml) {
        if (xml.length() > MAX_CHARS) throw ChirpException.corrupt("domain XML longer than " + MAX_CHARS + " characters");
        Element root;
        try {
            Document doc = builder().parse(new InputSource(new StringReader(xml)));
            root = doc.getDocumentElement();
        } catch (SAXException | IOException e) {
            throw ChirpException.corrupt("not a well-formed domain XML: " + e.getMessage());
        }
        if (!"domain".equals(root.getLocalName())) throw ChirpException.corrupt("not a domain XML: <" + root.getLocalName() + ">");
        Element backing = child(root, "memoryBacking");
        Element devices = child(root, "devices");
        List<Disk> disks = new ArrayList<>();
        List<Nic> nics = new ArrayList<>();
        for (Element e : children(devices, "disk")) {
            Element src = child(e, "source");
            String source = src == null ? null
                    : firstNonEmpty(src.getAttribute("file"), src.getAttribute("dev"), src.getAttribute("volume"),
                    src.hasAttribute("protocol") ? src.getAttribute("protocol") + ":" + src.getAttribute("name") : "");
            disks.add(new Disk(e.getAttribute("type"), e.getAttribute("device"), source, attr(child(e, "driver"), "type"),
                    attr(child(e, "target"), "dev"), attr(child(e, "target"), "bus"), child(e, "readonly") != null,
                    attr(child(e, "alias"), "name"), backing(e)));
        }
        for (Element e : children(devices, "interface")) {
            Element src = child(e, "source");
            String source = src == null ? null
                    : firstNonEmpty(src.getAttribute("network"), src.getAttribute("bridge"), src.getAttribute("dev"),
                    src.hasAttribute("address") ? src.getAttribute("address") + ":" + src.getAttribute("port") : "");
            nics.add(new Nic(e.getAttribute("type"), attr(child(e, "mac"), "address"), attr(child(e, "model"), "type"),
                    source, attr(child(e, "target"), "dev"), attr(child(e, "alias"), "name")));
        }
        if (disks.size() + nics.size() > MAX_DEVICES) throw ChirpException.corrupt("implausibly many devices in domain XML");
        List<String> args = new ArrayList<>();
        NodeList cl = root.getElementsByTagNameNS(QEMU_NS, "arg");
        for (int i = 0; i < cl.getLength() && i < MAX_DEVICES; i++) args.add(((Element) cl.item(i)).getAttribute("value"));
        Element memory = child(root, "memory");
        return new DomainXml(text(child(root, "name")), text(child(root, "uuid")), root.getAttribute("type"),
                memory == null ? 0 : kib(memory), "file".equals(attr(child(backing, "source"), "type")),
                "shared".equals(attr(child(backing, "access"), "mode")), List.copyOf(disks), List.copyOf(nics),
                List.copyOf(args));
    }

    /** {@return true if the domain's RAM is a shared file: the zero-copy path} */
    public boolean sharedFileMemory() { return fileBacked && sharedAccess; }

    private static DocumentBuilder builder() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            b.setEntityResolver((publicId, systemId) -> {
                throw new SAXException("external entity refused: " + systemId);
            });
            return b;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser lacks a security feature", e);
        }
    }

    private static List<String> backing(Element disk) {
        List<String> chain = new ArrayList<>();
        Element b = child(disk, "backingStore");
        // libvirt nests one <backingStore> per layer and ends with an empty one; real chains are a handful deep
        while (b != null && chain.size() < 64) {
            Element src = child(b, "source");
            if (src == null) break;
            chain.add(firstNonEmpty(src.getAttribute("file"), src.getAttribute("dev"),
                    src.hasAttribute("protocol") ? src.getAttribute("protocol") + ":" + src.getAttribute("name") : "?"));
            b = child(b, "backingStore");
        }
        return List.copyOf(chain);
    }

    private static long kib(Element memory) {
        long v;
        try {
            v = Long.parseLong(text(memory).strip());
        } catch (NumberFormatException e) {
            throw ChirpException.corrupt("bad <memory> in domain XML: " + text(memory));
        }
        return switch (memory.getAttribute("unit")) {
            case "", "KiB", "k", "K" -> v;
            case "b", "bytes" -> v >> 10;
            case "MiB", "M" -> v << 10;
            case "GiB", "G" -> v << 20;
            default -> throw ChirpException.corrupt("unknown memory unit " + memory.getAttribute("unit"));
        };
    }

    private static Element child(Element parent, String name) {
        if (parent == null) return null;
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName()) && e.getNamespaceURI() == null) return e;
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent == null) return out;
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName()) && e.getNamespaceURI() == null) out.add(e);
        }
        return out;
    }

    private static String attr(Element e, String name) {
        return e == null || !e.hasAttribute(name) ? null : e.getAttribute(name);
    }

    private static String text(Element e) { return e == null ? null : e.getTextContent(); }

    private static String firstNonEmpty(String... s) {
        for (String x : s) if (x != null && !x.isEmpty()) return x;
        return null;
    }
}
