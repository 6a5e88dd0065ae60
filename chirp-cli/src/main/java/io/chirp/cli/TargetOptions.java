package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.Target;
import io.chirp.memory.RawLayout;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** {@code --vm NAME | --image FILE [--layout SPEC]}: every command that reads a guest takes one of them. */
public final class TargetOptions {
    public static final class Choice {
        @Option(names = "--vm", paramLabel = "NAME", description = "a running VM: a QEMU VM's name or pid, or BACKEND:NAME"
                + " (libvirt:web1); see: chirp vm list")
        String vm;
        @Option(names = "--image", paramLabel = "FILE", description = "a memory image, its format recognised from"
                + " its content: ELF core, LiME, kdump-compressed (plain or flattened; zlib, LZO, snappy or zstd pages)"
                + " or raw (offset = guest-physical address, or see --layout)")
        Path image;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    @Option(names = "--layout", paramLabel = "SPEC", description = "where the guest-physical ranges of a raw --image lie,"
            + " e.g. a Firecracker or Cloud Hypervisor snapshot memory file: START-END[@OFFSET] or START+SIZE[@OFFSET],"
            + " comma-separated (END inclusive; without @OFFSET a range follows the previous one in the file), or"
            + " @FILE holding such lines. Default: offset = address from 0")
    String layout;

    @Option(names = "--connect", paramLabel = "URI", description = "the libvirt daemon of --vm (e.g. qemu:///system);"
            + " a bare --vm NAME is then a libvirt domain")
    String connect;

    /** {@return the --connect URI, if given} */
    public Optional<String> connect() { return Optional.ofNullable(connect); }

    /** {@return the --vm value, or null with --image} */
    public String vm() { return choice.vm; }

    /** The one way a command turns --vm/--image into what it reads. */
    public Target open() {
        if (choice.vm != null) {
            if (layout != null) throw ChirpException.usage("--layout describes a raw --image, not a --vm");
            return Target.vm(choice.vm, connect());
        }
        if (connect != null) throw ChirpException.usage("--connect applies to --vm, not --image");
        RawLayout raw = layout == null ? null : RawLayout.parse(layout); // a bad layout is a usage error, even for a missing file
        if (!Files.isRegularFile(choice.image)) throw ChirpException.notFound("no such image file: " + choice.image);
        return Target.image(choice.image, raw);
    }
}
