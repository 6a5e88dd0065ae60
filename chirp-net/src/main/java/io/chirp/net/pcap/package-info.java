/**
 * Capture files: streaming, bounded readers for pcap and pcapng, and writers for both.
 *
 * <pre>
 *   bytes --CaptureReader.open--> PcapReader | PcapngReader --next()--> Packet ... null
 *                                                    \--problem()--> why the file ended early (partial result)
 *   Packet --CaptureWriter--> PcapWriter | PcapngWriter
 * </pre>
 *
 * Capture files are treated as hostile: no length read from a file is trusted before it is checked against a
 * fixed limit and against what the enclosing record holds, so memory stays bounded whatever the file claims.
 */
package io.chirp.net.pcap;
