package io.chirp.net.pcap;

import java.util.Locale;

/** The capture file formats CHIRP reads and writes. */
public enum CaptureFormat {
    /** Classic libpcap (microsecond or nanosecond, either byte order). */
    PCAP,
    /** pcapng (sections, interfaces, enhanced and simple packet blocks). */
    PCAPNG;

    /** {@return the format for a file name or option value ("x.pcapng", "pcapng")} */
    public static CaptureFormat fromName(String name) {
        return name.toLowerCase(Locale.ROOT).endsWith("pcapng") ? PCAPNG : PCAP;
    }
}
