/**
 * Flows: packets folded into 5-tuple conversations with first/last seen, traffic each way, TCP flags and the
 * protocol metadata seen in the clear.
 *
 * <pre>
 *   Flows.read(Path) = CaptureReader --Packet--> PacketDecoder --Decoded--> FlowTable --> FlowReport(List&lt;Flow&gt;)
 *   Flow.matches(protocol, local, remote)   the join with guest sockets (attribution to processes)
 * </pre>
 *
 * A {@link io.chirp.net.flow.Flow} is an immutable record and the unit other modules consume.
 */
package io.chirp.net.flow;
