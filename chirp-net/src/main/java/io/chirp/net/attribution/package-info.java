/**
 * Who sent it: flows seen on the wire joined with the guest's own sockets, read from its memory, to name the guest
 * process behind each connection. Neither a network sensor nor an agent in the guest can see both sides; the
 * hypervisor can.
 */
package io.chirp.net.attribution;
