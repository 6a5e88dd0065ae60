package io.chirp.net.flow;

import io.chirp.net.pcap.CaptureFormat;

import java.util.List;
import java.util.Optional;

/**
 * The flows of a capture and how much of it they account for.
 *
 * @param source  the capture's name (file path)
 * @param format  its format
 * @param flows   flows in order of first packet
 * @param stats   what was read
 * @param problem why the capture ended early, if it did: the flows then describe only the part before that
 */
public record FlowReport(String source, CaptureFormat format, List<Flow> flows, Stats stats, Optional<String> problem) {

    /**
     * Counts over the whole capture.
     *
     * @param packets      frames read
     * @param bytes        frame bytes on the wire
     * @param ipPackets    frames carrying IPv4/IPv6 with a readable transport header (they are in flows)
     * @param nonIp        frames of other protocols (ARP, ...)
     * @param malformed    frames or transport headers that could not be decoded (not in flows)
     * @param fragments    IP fragments after the first (no ports to put them in a flow by)
     * @param droppedFlows flows not tracked because the table was full ({@link FlowTable#MAX_FLOWS})
     */
    public record Stats(long packets, long bytes, long ipPackets, long nonIp, long malformed, long fragments, long droppedFlows) {}

    /** {@return true if every frame of a complete capture is accounted for} */
    public boolean complete() { return problem.isEmpty() && stats.droppedFlows() == 0; }
}
