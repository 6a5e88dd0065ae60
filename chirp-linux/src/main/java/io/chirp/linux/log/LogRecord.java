package io.chirp.linux.log;

/**
 * One record of the kernel log.
 *
 * @param seq       the record's sequence number (consecutive; a gap means records were overwritten or lost)
 * @param nanos     time since boot in nanoseconds (local_clock, as dmesg shows it)
 * @param level     syslog level 0 (emerg) .. 7 (debug)
 * @param facility  syslog facility (0 kernel, 1 user for /dev/kmsg writes, ...)
 * @param callerId  the printk caller: a thread id, or 0x80000000 | CPU number in interrupt context
 * @param text      the message, decoded as guest text ({@link io.chirp.linux.KernelReader#decode}); may hold several
 *                  lines; control characters are not escaped (callers escape for display)
 * @param finalized false if the record was still open for continuation lines when read
 */
public record LogRecord(long seq, long nanos, int level, int facility, long callerId, String text, boolean finalized) {

    /** {@return the time as dmesg prints it: seconds.microseconds} */
    public String timestamp() {
        return String.format("%5d.%06d", nanos / 1_000_000_000L, (nanos % 1_000_000_000L) / 1000);
    }

    /** {@return the lines dmesg would print for this record, each with the time prefix} */
    public java.util.List<String> dmesgLines() {
        return text.lines().map(l -> "[" + timestamp() + "] " + l).toList();
    }
}
