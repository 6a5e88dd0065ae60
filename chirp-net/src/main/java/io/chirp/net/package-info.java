/**
 * CHIRP's network view of a VM: traffic captured from the hypervisor side, read into flows with the protocol
 * metadata that crosses in the clear, ready to be joined with the guest's sockets and sent on as OCSF events.
 *
 * <pre>
 *   live VM --qemu.LiveCapture (QMP filter-dump on the netdev)--> pcap file (+ SHA-256)
 *   pcap / pcapng --pcap.CaptureReader--> Packet
 *        --decode.PacketDecoder--> Decoded (Ethernet, VLAN, IPv4/IPv6, TCP/UDP/ICMP)
 *        --proto (DNS, HTTP request, TLS ClientHello)--> AppData
 *        --flow.FlowTable--> Flow records (flow.Flows.read(Path) does it all)
 *        --ocsf.NetworkActivity--> OCSF 1.8.0 Network Activity (4001)
 * </pre>
 *
 * Every byte of a capture is attacker-controlled: each parser bounds each length it reads, and bad input becomes a
 * value that says what was wrong (a malformed packet, a partial capture), never an exception trace or a hang.
 */
package io.chirp.net;
