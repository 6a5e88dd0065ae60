/**
 * Protocol metadata that crosses the wire in the clear: DNS questions and answers, HTTP request lines with their
 * Host, TLS ClientHello server names.
 *
 * <pre>
 *   Transport (Udp | Tcp payload) --AppProtocols.inspect--> DnsParser | HttpParser | TlsParser --> AppData
 * </pre>
 *
 * Each parser reads one segment or datagram (no TCP reassembly) and bounds every length it meets; what does not
 * fit is marked partial rather than guessed.
 */
package io.chirp.net.proto;
