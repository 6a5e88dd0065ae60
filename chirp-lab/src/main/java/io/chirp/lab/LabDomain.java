package io.chirp.lab;

import io.chirp.core.ChirpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A lab guest run as a transient libvirt domain: the same kernel, initramfs, scenario and disk overlay as a
 * {@link Lab#boot plain-QEMU lab guest}, the same ground truth on the serial console, but QEMU is libvirt's (libvirt
 * owns its QMP monitor and picks the RAM file's name). Closing it destroys the domain; the daemon's reaper stops it
 * if the owner dies first.
 *
 * <p>The network: libvirt's {@code <interface type='user'>} has no way to say {@code restrict=on}, so the NIC the
 * guest uses is QEMU's own {@code -netdev user,restrict=on} with the scenario's guestfwd rules, passed through with
 * {@code <qemu:commandline>} (libvirt marks the domain tainted for that, which is harmless here). The domain XML also
 * has one libvirt-described NIC, a UDP socket NIC from 127.0.0.1 to 127.0.0.1 that nothing listens on, so that
 * CHIRP's XML reading has a real {@code <interface>} to find; the guest never brings it up (it is its eth1: the
 * passthrough NIC sits at a lower PCI slot) and at worst its frames would go to loopback.
 *
 * @param name         the domain name
 * @param daemon       the libvirtd that runs it
 * @param dir          its folder (XML, overlay disk, initrd, serial log)
 * @param serialLog    everything the serial console printed
 * @param serialSocket the serial console's unix socket
 * @param disk         the qcow2 overlay disk
 * @param memoryBytes  RAM size
 * @param udpNicMac    MAC address of the loopback UDP NIC declared in the XML
 * @param bootMillis   time from {@code virsh create} to the ground-truth marker
 */
public record LabDomain(String name, LibvirtDaemon daemon, Path dir, Path serialLog, Path serialSocket, Path disk,
                        long memoryBytes, String udpNicMac, long bootMillis) implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LabDomain.class);
    private static final Duration VIRSH_TIMEOUT = Duration.ofSeconds(120);

    /** Boots a lab guest as a transient domain of {@code daemon} and waits for its ground truth. */
    public static LabDomain boot(LibvirtDaemon daemon, Lab.Options o) {
        long start = System.nanoTime();
        LabDomain d = create(daemon, o);
        try {
            long deadline = start + o.bootTimeout().toNanos();
            while (!d.serialText().contains(Lab.READY_MARKER)) {
                boolean alive = d.qemuPid().isPresent();
                if (!alive || System.nanoTime() > deadline) {
                    String serial = d.serialText();
                    d.close();
                    throw new ChirpException(ChirpException.Kind.UNAVAILABLE, "libvirt lab domain " + d.name()
                            + " did not boot" + (alive ? " within " + o.bootTimeout() : " (QEMU exited)")
                            + "; serial log:\n" + (serial.length() > 6000 ? serial.substring(serial.length() - 6000) : serial)
                            + "\nlibvirtd log:\n" + daemon.logTail());
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            d.close();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted while booting " + d.name());
        }
        long bootMillis = (System.nanoTime() - start) / 1_000_000;
        log.info("libvirt lab domain {} up in {} ms", d.name(), bootMillis);
        return new LabDomain(d.name(), daemon, d.dir(), d.serialLog(), d.serialSocket(), d.disk(), d.memoryBytes(),
                d.udpNicMac(), bootMillis);
    }

    /**
     * Creates the transient domain and returns at once, without waiting for the guest to boot: for tests that need
     * a running domain but not its guest (lifecycle events, the reaper).
     */
    public static LabDomain create(LibvirtDaemon daemon, Lab.Options o) {
        GuestImage image = new GuestImageBuilder(daemon.home(), o.kernel()).build();
        String name = o.name() != null ? o.name()
                : "chirp-lv-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,40}")) throw ChirpException.usage("bad domain name: " + name);
        Path dir = daemon.dir().resolve("domains").resolve(name);
        try {
            Files.createDirectory(dir);
            Path disk = dir.resolve("disk.qcow2");
            HostCommand.of(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-b", image.disk().toString(), "-F", "raw",
                    disk.toString()).run();
            Path initrd = dir.resolve("initrd.img");
            Files.copy(image.initramfs(), initrd);
            Files.write(initrd, o.scenario().toCpio(), StandardOpenOption.APPEND);
            Path serialLog = dir.resolve("serial.log");
            Path serialSocket = dir.resolve("serial.sock");
            int udpPort = 20000 + ThreadLocalRandom.current().nextInt(20000);
            String udpMac = "52:54:00:c4:1a:" + HexFormat.of().toHexDigits((byte) ThreadLocalRandom.current().nextInt());
            Path xml = dir.resolve("domain.xml");
            Files.writeString(xml, xml(name, o, image, initrd, disk, serialLog, serialSocket, udpPort, udpMac));
            daemon.virsh(VIRSH_TIMEOUT, "create", xml.toString());
            return new LabDomain(name, daemon, dir, serialLog, serialSocket, disk, o.memoryBytes(), udpMac, 0);
        } catch (IOException e) {
            throw ChirpException.io("cannot create libvirt lab domain " + name + ": " + e.getMessage(), e);
        }
    }

    /** The domain XML: everything CHIRP relies on is spelled out, nothing left to libvirt's defaults that matter. */
    static String xml(String name, Lab.Options o, GuestImage image, Path initrd, Path disk, Path serialLog,
                      Path serialSocket, int udpPort, String udpMac) {
        StringBuilder netdev = new StringBuilder("user,id=chirpnet0,restrict=on");
        for (Scenario.Forward f : o.scenario().forwards()) {
            if (f.command().contains(",")) throw ChirpException.usage("guestfwd command may not contain ','");
            netdev.append(',').append(f.netdevOption());
        }
        String cpu = System.getenv().getOrDefault("CHIRP_LAB_CPU", "qemu64");
        return """
                <domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
                  <name>%s</name>
                  <memory unit='KiB'>%d</memory>
                  <vcpu>%d</vcpu>
                  <memoryBacking><source type='file'/><access mode='shared'/></memoryBacking>
                  <os>
                    <type arch='x86_64' machine='pc'>hvm</type>
                    <kernel>%s</kernel>
                    <initrd>%s</initrd>
                    <cmdline>%s</cmdline>
                  </os>
                  <cpu mode='custom' match='exact'><model fallback='allow'>%s</model></cpu>
                  <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>
                  <devices>
                    <emulator>/usr/bin/qemu-system-x86_64</emulator>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='qcow2'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                      <address type='pci' domain='0' bus='0' slot='0x02' function='0'/>
                    </disk>
                    <interface type='udp'>
                      <mac address='%s'/>
                      <source address='127.0.0.1' port='%d'><local address='127.0.0.1' port='%d'/></source>
                      <model type='virtio'/>
                      <address type='pci' domain='0' bus='0' slot='0x11' function='0'/>
                    </interface>
                    <serial type='unix'>
                      <source mode='bind' path='%s'/>
                      <log file='%s' append='off'/>
                      <target port='0'/>
                    </serial>
                    <controller type='usb' model='none'/>
                    <memballoon model='none'/>
                  </devices>
                  <qemu:commandline>
                    <qemu:arg value='-netdev'/>
                    <qemu:arg value='%s'/>
                    <qemu:arg value='-device'/>
                    <qemu:arg value='virtio-net-pci,netdev=chirpnet0,id=chirpnic0,mac=52:54:00:12:34:56,bus=pci.0,addr=0x10'/>
                  </qemu:commandline>
                </domain>
                """.formatted(accel(), esc(name), o.memoryBytes() >> 10, o.cpus(), esc(image.kernel().toString()),
                esc(initrd.toString()), esc(("console=ttyS0 panic=-1 " + o.kernelArgs()).strip()), esc(cpu),
                esc(disk.toString()), udpMac, udpPort, udpPort + 1, esc(serialSocket.toString()),
                esc(serialLog.toString()), esc(netdev.toString()));
    }

    /** KVM when asked for (as the plain lab does with CHIRP_LAB_ACCEL=kvm), TCG otherwise. */
    private static String accel() {
        return "kvm".equals(System.getenv("CHIRP_LAB_ACCEL")) ? "kvm" : "qemu";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")
                .replace("\"", "&quot;");
    }

    /** {@return the guest's own report, parsed from the serial log} */
    public GroundTruth groundTruth() {
        return GroundTruth.parse(serialText()).orElseThrow(() ->
                ChirpException.corrupt("domain " + name + " printed no ground truth; serial log: " + serialLog));
    }

    /** {@return the whole serial log so far} */
    public String serialText() {
        try {
            return Files.readString(serialLog, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /** {@return the pid of the domain's QEMU while it runs} */
    public java.util.Optional<Long> qemuPid() { return daemon.qemuPid(name); }

    /** Pauses the domain (virsh suspend): for tests of lifecycle events. */
    public void suspend() { daemon.virsh(VIRSH_TIMEOUT, "suspend", name); }

    /** Resumes the domain (virsh resume). */
    public void resume() { daemon.virsh(VIRSH_TIMEOUT, "resume", name); }

    /** Destroys the domain if it still runs (virsh destroy) and removes its folder. */
    @Override
    public void close() {
        if (qemuPid().isPresent() && daemon.isAlive()) {
            try {
                daemon.virsh(VIRSH_TIMEOUT, "destroy", name);
            } catch (ChirpException e) {
                log.warn("virsh destroy {} failed, killing QEMU: {}", name, e.getMessage());
                qemuPid().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        try {
            GuestImageBuilder.deleteTree(dir);
        } catch (IOException e) {
            log.warn("could not remove {}: {}", dir, e.toString());
        }
    }
}
