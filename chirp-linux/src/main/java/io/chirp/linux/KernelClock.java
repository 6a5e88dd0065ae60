package io.chirp.linux;

import io.chirp.core.ChirpException;

import java.time.Instant;

/**
 * The guest's wall clock as its kernel keeps it, from the timekeeper ({@code tk_core.timekeeper}): what turns the
 * kernel's "seconds since boot" (process start times, kernel log times, eBPF load times) into UTC.
 *
 * <p>The timekeeper holds the offsets between its clocks: CLOCK_REALTIME = CLOCK_MONOTONIC + {@code offs_real},
 * CLOCK_BOOTTIME = CLOCK_MONOTONIC + {@code offs_boot}. So UTC at monotonic time 0 (what
 * {@code task_struct.start_time} and the log's {@code local_clock} count from) is {@code offs_real}, and at boottime
 * 0 ({@code start_boottime}, {@code bpf_prog_aux.load_time}) it is {@code offs_real - offs_boot}; they differ only by
 * time spent suspended. {@code xtime_sec} is the wall clock at the last tick: the guest's "now".
 *
 * <p>The timekeeper sits in {@code tk_core} (Linux 6.13+: {@code struct tk_data}, named in BTF; before that an
 * anonymous struct whose first member is a seqcount, so the timekeeper starts at the seqcount's size rounded up to
 * 8). The values are the guest's: a guest that set its clock wrong gives wrong UTC, faithfully. They are checked only
 * for plausibility (a year between 1970 and 2200), so a misread offset is an error, not a date.
 *
 * @param realOffsetNanos offs_real: UTC nanoseconds at monotonic time 0 (the boot, when nothing was suspended)
 * @param bootOffsetNanos offs_boot: nanoseconds spent suspended
 * @param nowSeconds      xtime_sec: the guest's UTC seconds at its last timer tick
 */
public record KernelClock(long realOffsetNanos, long bootOffsetNanos, long nowSeconds) {
    private static final long MAX_EPOCH_SECONDS = 7_258_118_400L; // 2200-01-01

    /** {@return the guest's clock, read now} */
    public static KernelClock read(LinuxKernel k) {
        Layout l = k.layout();
        long tk;
        if (l.hasStruct("tk_data")) {
            tk = k.symbol("tk_core") + l.offset("tk_data", "timekeeper");
        } else {
            long seq = l.hasStruct("seqcount_raw_spinlock") ? l.size("seqcount_raw_spinlock") : 4;
            tk = k.symbol("tk_core") + ((seq + 7) & ~7L);
        }
        KernelReader r = k.reader();
        long real = r.u64(tk + l.offset("timekeeper", "offs_real"));
        long boot = r.u64(tk + l.offset("timekeeper", "offs_boot"));
        long now = r.u64(tk + l.offset("timekeeper", "xtime_sec"));
        if (real <= 0 || real / 1_000_000_000L > MAX_EPOCH_SECONDS || boot < 0 || now <= 0 || now > MAX_EPOCH_SECONDS
                || now < real / 1_000_000_000L) {
            throw ChirpException.corrupt("the timekeeper's values are not plausible (offs_real " + real + ", offs_boot "
                    + boot + ", xtime_sec " + now + ")");
        }
        return new KernelClock(real, boot, now);
    }

    /** {@return when the guest booted, in UTC} */
    public Instant boot() { return ofNanos(realOffsetNanos); }

    /** {@return the UTC of a CLOCK_MONOTONIC time (task start_time, the kernel log's times), in seconds} */
    public Instant monotonic(double seconds) { return ofNanos(realOffsetNanos + Math.round(seconds * 1e9)); }

    /** {@return the UTC of a CLOCK_BOOTTIME time (start_boottime, eBPF load_time), in seconds} */
    public Instant boottime(double seconds) {
        return ofNanos(realOffsetNanos - bootOffsetNanos + Math.round(seconds * 1e9));
    }

    /** {@return the guest's seconds since boot at its last tick (as /proc/uptime's first field, roughly)} */
    public double uptimeSeconds() {
        return (nowSeconds * 1_000_000_000L - (realOffsetNanos - bootOffsetNanos)) / 1e9;
    }

    private static Instant ofNanos(long n) { return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L)); }
}
