package io.chirp.cli.linux;

import io.chirp.cli.TargetOptions;
import io.chirp.core.ChirpException;
import io.chirp.guest.Guest;
import io.chirp.guest.GuestOses;
import io.chirp.hypervisor.Target;
import io.chirp.linux.LinuxKernel;

/** A target with its Linux kernel attached: what every {@code chirp linux} command starts from. */
public final class LinuxSession implements AutoCloseable {
    private final Target target;
    private final LinuxKernel kernel;

    private LinuxSession(Target target, LinuxKernel kernel) {
        this.target = target;
        this.kernel = kernel;
    }

    /** Opens the VM or image and attaches its guest OS (no symbol file needed); it must be Linux. */
    public static LinuxSession open(TargetOptions options) {
        Target t = options.open();
        try {
            Guest g = GuestOses.attach(t.memory(), t.cpus());
            LinuxKernel k = g.as(LinuxKernel.class).orElseThrow(() -> ChirpException.usage(
                    "this guest runs " + g.os().name() + ", not Linux: the linux commands need a Linux guest"));
            return new LinuxSession(t, k);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    public Target target() { return target; }

    public LinuxKernel kernel() { return kernel; }

    @Override public void close() { target.close(); }
}
