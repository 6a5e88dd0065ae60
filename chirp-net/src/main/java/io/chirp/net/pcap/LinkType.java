package io.chirp.net.pcap;

/** The LINKTYPE_ values CHIRP decodes (tcpdump.org/linktypes.html); other values pass through undecoded. */
public final class LinkType {
    private LinkType() {}

    public static final int ETHERNET = 1;
    /** Raw IP, as written by most tools (DLT_RAW differs between platforms; 101 is the portable number). */
    public static final int RAW = 101;
    /** Linux "cooked" capture v1 (tcpdump -i any). */
    public static final int LINUX_SLL = 113;
    public static final int IPV4 = 228;
    public static final int IPV6 = 229;
}
