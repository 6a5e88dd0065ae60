package io.chirp.libvirt;

/**
 * One domain as libvirt lists it.
 *
 * @param name       the domain name
 * @param uuid       its UUID, as libvirt prints it
 * @param id         the running domain's id, or -1 when it is not running
 * @param state      its state
 * @param persistent false for a transient domain (created, never defined)
 */
public record DomainInfo(String name, String uuid, int id, DomainState state, boolean persistent) {}
