package io.chirp.events.build;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.events.EventClass;

import java.util.Objects;

/**
 * OCSF Network Activity (4001): a guest socket started listening, a connection opened or closed, or traffic was
 * seen. Endpoints follow the direction: for an outbound connection the guest is the source, for an inbound one
 * the destination; a listening socket is the destination connections will arrive at.
 */
public final class NetworkActivity extends EventBuilder<NetworkActivity> {
    /** The activities CHIRP reports. */
    public enum Activity {
        OPEN(1, "Open"), CLOSE(2, "Close"), TRAFFIC(6, "Traffic"), LISTEN(7, "Listen");

        final int id;
        final String caption;

        Activity(int id, String caption) {
            this.id = id;
            this.caption = caption;
        }
    }

    /** OCSF connection_info.direction_id values. */
    public enum Direction {
        UNKNOWN(0, "Unknown"), INBOUND(1, "Inbound"), OUTBOUND(2, "Outbound"), LOCAL(4, "Local");

        final int id;
        final String caption;

        Direction(int id, String caption) {
            this.id = id;
            this.caption = caption;
        }
    }

    private final Endpoint local;
    private final Endpoint remote;
    private final Direction direction;
    private final String protocol;
    private ProcessInfo process;

    private NetworkActivity(EventContext ctx, Activity a, Endpoint local, Endpoint remote, Direction d, String protocol) {
        super(ctx, EventClass.NETWORK_ACTIVITY, a.id, a.caption);
        this.local = Objects.requireNonNull(local, "local");
        this.remote = remote;
        this.direction = Objects.requireNonNull(d, "direction");
        this.protocol = Objects.requireNonNull(protocol, "protocol");
    }

    /** {@return a builder for a socket listening on {@code local}; protocol is tcp, udp...} */
    public static NetworkActivity listen(EventContext ctx, Endpoint local, String protocol) {
        return new NetworkActivity(ctx, Activity.LISTEN, local, null, Direction.INBOUND, protocol);
    }

    public static NetworkActivity open(EventContext ctx, Endpoint local, Endpoint remote, Direction d, String protocol) {
        return new NetworkActivity(ctx, Activity.OPEN, local, Objects.requireNonNull(remote, "remote"), d, protocol);
    }

    /** A connection closed, or with {@code remote} null a listening socket closed. */
    public static NetworkActivity close(EventContext ctx, Endpoint local, Endpoint remote, Direction d, String protocol) {
        return new NetworkActivity(ctx, Activity.CLOSE, local, remote, d, protocol);
    }

    public static NetworkActivity traffic(EventContext ctx, Endpoint local, Endpoint remote, Direction d, String protocol) {
        return new NetworkActivity(ctx, Activity.TRAFFIC, local, Objects.requireNonNull(remote, "remote"), d, protocol);
    }

    /** The guest process owning the socket (actor.process). */
    public NetworkActivity process(ProcessInfo p) { this.process = p; return this; }

    @Override protected void body(ObjectNode e) {
        boolean guestIsSource = remote != null && direction != Direction.INBOUND;
        if (remote == null) {
            e.set("dst_endpoint", ObjectJson.endpoint(local));
        } else {
            e.set("src_endpoint", ObjectJson.endpoint(guestIsSource ? local : remote));
            e.set("dst_endpoint", ObjectJson.endpoint(guestIsSource ? remote : local));
        }
        e.putObject("connection_info").put("protocol_name", protocol)
                .put("direction_id", direction.id).put("direction", direction.caption);
        if (process != null) e.set("actor", ObjectJson.actorProcess(process));
    }
}
