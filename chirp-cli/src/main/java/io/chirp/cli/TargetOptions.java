package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.Target;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code --vm NAME | --image FILE}: every command that reads a guest takes one of them. */
public final class TargetOptions {
    public static final class Choice {
        @Option(names = "--vm", paramLabel = "NAME", description = "a running QEMU VM (name or pid; see: chirp vm list)")
        String vm;
        @Option(names = "--image", paramLabel = "FILE", description = "a memory image (ELF core, LiME or raw)")
        Path image;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    public Target open() {
        if (choice.vm != null) return Target.vm(choice.vm);
        if (!Files.isRegularFile(choice.image)) throw ChirpException.notFound("no such image file: " + choice.image);
        return Target.image(choice.image);
    }
}
