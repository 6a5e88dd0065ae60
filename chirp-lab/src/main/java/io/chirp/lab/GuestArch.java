package io.chirp.lab;

import java.util.List;

/**
 * The architecture of a lab guest, read from the Debian kernel package it boots: Debian names every arm64 kernel
 * package {@code linux-image-...-arm64}, so {@code --kernel linux-image-arm64} is all it takes. The foreign
 * packages are fetched as {@code NAME:arm64} (after {@code dpkg --add-architecture arm64}) and only unpacked,
 * never installed on the host.
 *
 * @param debianArch  Debian's architecture name
 * @param qemu        the QEMU system emulator
 * @param qemuPackage the host package that provides it
 * @param machine     QEMU machine type (the memory backend is added to it)
 * @param cpu         default CPU model (CHIRP_LAB_CPU overrides); {@code max} on ARM, for the gdbstub's
 *                    system-register XML (TTBRn_EL1, TCR_EL1, VBAR_EL1, SP_EL0)
 * @param console     the serial console device the kernel writes to
 */
public enum GuestArch {
    X86_64("amd64", "qemu-system-x86_64", "qemu-system-x86", "pc", "qemu64", "ttyS0"),
    ARM64("arm64", "qemu-system-aarch64", "qemu-system-arm", "virt", "max", "ttyAMA0");

    private final String debianArch, qemu, qemuPackage, machine, cpu, console;

    GuestArch(String debianArch, String qemu, String qemuPackage, String machine, String cpu, String console) {
        this.debianArch = debianArch;
        this.qemu = qemu;
        this.qemuPackage = qemuPackage;
        this.machine = machine;
        this.cpu = cpu;
        this.console = console;
    }

    /** {@return the architecture of a Debian kernel package name} */
    public static GuestArch ofKernelPackage(String pkg) {
        return pkg.endsWith("-arm64") ? ARM64 : X86_64;
    }

    /** {@return the default kernel package for this architecture} */
    public String defaultKernel() { return "linux-image-" + debianArch; }

    public String debianArch() { return debianArch; }

    public String qemu() { return qemu; }

    public String qemuPackage() { return qemuPackage; }

    public String machine() { return machine; }

    public String cpu() { return cpu; }

    public String console() { return console; }

    /** {@return how apt must be asked for a package of this architecture on this host} */
    String aptName(String pkg) {
        return this == X86_64 ? pkg : pkg + ":" + debianArch;
    }

    /**
     * {@return the host commands that make the foreign packages visible to apt} (none for the host's own
     * architecture). Adding an architecture to dpkg only lets apt list and download its packages.
     */
    List<List<String>> aptSetup() {
        return this == X86_64 ? List.of()
                : List.of(List.of("dpkg", "--add-architecture", debianArch), List.of("apt-get", "update", "-q"));
    }
}
