package io.chirp.linux;

import io.chirp.core.CpuState;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.guest.Guest;
import io.chirp.guest.GuestOs;
import io.chirp.guest.GuestView;
import io.chirp.symbols.scan.PatternScanner;
import io.chirp.symbols.scan.Window;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Linux as a {@link GuestOs}: detection by the kernel's banner, attach through {@link LinuxKernel#attach}, and the
 * views of this module. Registered in {@code META-INF/services/io.chirp.guest.GuestOs}.
 */
public final class LinuxGuestOs implements GuestOs {
    private static final byte[] BANNER = "Linux version ".getBytes(StandardCharsets.US_ASCII);

    @Override public String name() { return "linux"; }

    /**
     * The banner ({@code linux_banner}, "Linux version 6.1.0-57-amd64 ...") inside the kernel image that vCPU state
     * or the startup_64 signature points at, else anywhere in memory; the first hit is enough.
     */
    @Override public Optional<Detection> detect(PhysicalMemory memory, List<CpuState> cpus) {
        MemoryRange hint = LinuxKernel.kernelHint(memory, cpus);
        PatternScanner scanner = new PatternScanner();
        if (hint != null) {
            long[] hit = scanner.find(new Window(memory, hint.start(), hint.end()), BANNER, 1);
            if (hit.length > 0) {
                return Optional.of(new Detection(this, "\"Linux version \" at physical 0x" + Long.toHexString(hit[0])
                        + " in the " + hint.name()));
            }
        }
        long[] hit = scanner.find(memory, BANNER, 1);
        return hit.length == 0 ? Optional.empty()
                : Optional.of(new Detection(this, "\"Linux version \" at physical 0x" + Long.toHexString(hit[0])));
    }

    @Override public LinuxGuest attach(PhysicalMemory memory, List<CpuState> cpus) {
        return new LinuxGuest(this, LinuxKernel.attach(memory, cpus));
    }

    /** An attached Linux kernel as a {@link Guest}; {@code as(LinuxKernel.class)} gives the kernel the views take. */
    public record LinuxGuest(LinuxGuestOs os, LinuxKernel kernel) implements Guest {
        /** Every view of chirp-linux works on every kernel CHIRP attaches (walkers fail per object, not per kernel). */
        private static final Set<GuestView> VIEWS = EnumSet.allOf(GuestView.class);

        @Override public String version() { return kernel.info().banner(); }

        @Override public Set<GuestView> views() { return VIEWS; }

        @Override public List<Capability> capabilities() { return kernel.features().capabilities(); }

        @Override public <T> Optional<T> as(Class<T> type) {
            if (type.isInstance(kernel)) return Optional.of(type.cast(kernel));
            return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
        }
    }
}
