package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.Target;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** {@code --vm NAME | --image FILE}: every command that reads a guest takes one of them. */
public final class TargetOptions {
    public static final class Choice {
        @Option(names = "--vm", paramLabel = "NAME", description = "a running VM: a QEMU VM's name or pid, or BACKEND:NAME"
                + " (libvirt:web1); see: chirp vm list")
        String vm;
        @Option(names = "--image", paramLabel = "FILE", description = "a memory image (ELF core, LiME or raw)")
        Path image;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    @Option(names = "--connect", paramLabel = "URI", description = "the libvirt daemon of --vm (e.g. qemu:///system);"
            + " a bare --vm NAME is then a libvirt domain")
    String connect;

    /** {@return the --connect URI, if given} */
    public Optional<String> connect() { return Optional.ofNullable(connect); }

    /** {@return the --vm value, or null with --image} */
    public String vm() { return choice.vm; }

    /** The one way a command turns --vm/--image into what it reads. */
    public Target open() {
        if (choice.vm != null) return Target.vm(choice.vm, connect());
        if (connect != null) throw ChirpException.usage("--connect applies to --vm, not --image");
        if (!Files.isRegularFile(choice.image)) throw ChirpException.notFound("no such image file: " + choice.image);
        return Target.image(choice.image);
    }
}
