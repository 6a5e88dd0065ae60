package io.chirp.server;

import io.chirp.core.ChirpException;

import java.util.Map;
import java.util.Set;

/**
 * A request that passed authentication, authorisation and validation: handlers only see checked values.
 *
 * @param route  the route called
 * @param who    the caller
 * @param remote the caller's address
 * @param values the validated parameters by name (absent ones with their default, or missing)
 */
public record Call(Route route, Principal who, String remote, Map<String, Object> values) {
    public Call {
        values = Map.copyOf(values);
    }

    public String text(String name) { return (String) values.get(name); }

    public String require(String name) {
        String v = text(name);
        if (v == null) throw ChirpException.usage("parameter " + name + " is required");
        return v;
    }

    /** {@return an integer parameter, or null if absent with no default} */
    public Integer integer(String name) {
        Object v = values.get(name);
        return v == null ? null : Math.toIntExact((Long) v);
    }

    public boolean flag(String name) { return Boolean.TRUE.equals(values.get(name)); }

    @SuppressWarnings("unchecked")
    public <T> Set<T> set(String name) {
        Object v = values.get(name);
        return v == null ? null : (Set<T>) v;
    }
}
