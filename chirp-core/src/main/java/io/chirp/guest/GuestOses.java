package io.chirp.guest;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.PhysicalMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** The installed {@link GuestOs} implementations, and attaching to whichever one a memory holds. */
public final class GuestOses {
    private GuestOses() {}

    /** {@return every implementation on the class path, in name order (stable whatever the jar order)} */
    public static List<GuestOs> installed() {
        List<GuestOs> all = new ArrayList<>();
        ServiceLoader.load(GuestOs.class, GuestOses.class.getClassLoader()).forEach(all::add);
        all.sort(java.util.Comparator.comparing(GuestOs::name));
        return all;
    }

    /**
     * Attaches to the OS in {@code memory}. With one implementation installed it attaches directly (its errors say
     * what failed, and a detection scan first would only cost time); with several, each one's {@link GuestOs#detect}
     * decides which to try, in order, and the first that attaches wins.
     *
     * @throws ChirpException NOT_FOUND if no installed OS recognises the memory, or the last attach error
     */
    public static Guest attach(PhysicalMemory memory, List<CpuState> cpus) {
        return attach(installed(), memory, cpus);
    }

    static Guest attach(List<GuestOs> oses, PhysicalMemory memory, List<CpuState> cpus) {
        if (oses.isEmpty()) throw ChirpException.unavailable("no guest OS implementation is installed (META-INF/services/io.chirp.guest.GuestOs)");
        if (oses.size() == 1) return oses.getFirst().attach(memory, cpus);
        ChirpException last = null;
        for (GuestOs os : oses) {
            if (os.detect(memory, cpus).isEmpty()) continue;
            try {
                return os.attach(memory, cpus);
            } catch (ChirpException e) {
                last = e; // recognised but not attachable: another OS may still fit (a Linux banner in a Windows page cache)
            }
        }
        if (last != null) throw last;
        throw ChirpException.notFound("no installed guest OS recognises this memory (tried "
                + oses.stream().map(GuestOs::name).collect(Collectors.joining(", ")) + ")");
    }
}
