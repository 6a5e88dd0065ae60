package io.chirp.cli.linux;

import io.chirp.cli.TargetOptions;
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

    /** Opens the VM or image and finds its kernel (no symbol file needed). */
    public static LinuxSession open(TargetOptions options) {
        Target t = options.open();
        try {
            return new LinuxSession(t, LinuxKernel.attach(t.memory(), t.cpus()));
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    public Target target() { return target; }

    public LinuxKernel kernel() { return kernel; }

    @Override public void close() { target.close(); }
}
