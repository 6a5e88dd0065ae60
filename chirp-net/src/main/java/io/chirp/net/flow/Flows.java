package io.chirp.net.flow;

import io.chirp.net.decode.PacketDecoder;
import io.chirp.net.pcap.CaptureReader;
import io.chirp.net.pcap.Packet;

import java.nio.file.Path;

/**
 * The entry point for reading flows: {@code Flows.read(Path.of("vm.pcap"))}. Streams the capture once, in memory
 * bounded by the flow table, not by the file.
 */
public final class Flows {
    private Flows() {}

    /** {@return the flows of a pcap or pcapng file} */
    public static FlowReport read(Path capture) {
        try (CaptureReader r = CaptureReader.open(capture)) {
            return read(r, capture.toString());
        }
    }

    /** {@return the flows of an open capture (read to its end; not closed)} */
    public static FlowReport read(CaptureReader reader, String source) {
        FlowTable table = new FlowTable();
        for (Packet p = reader.next(); p != null; p = reader.next()) table.add(PacketDecoder.decode(p));
        return new FlowReport(source, reader.format(), table.flows(), table.stats(), reader.problem());
    }
}
