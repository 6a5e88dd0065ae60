package io.chirp.events.build;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.events.EventClass;

import java.util.Objects;

/**
 * OCSF Device Config State Change (5019): the VM itself changed state as the hypervisor sees it (paused, resumed,
 * stopped, crashed, migrated, attached by CHIRP). OCSF has no VM run-state enum, so state_id is 99 (Other) and
 * {@code state} carries the hypervisor's word.
 */
public final class VmStateChange extends EventBuilder<VmStateChange> {
    /** OCSF discovery activity 1: Log (the state was observed, not collected on request). */
    private static final int LOG = 1;
    private final String state;

    private VmStateChange(EventContext ctx, String state) {
        super(ctx, EventClass.DEVICE_CONFIG_STATE_CHANGE, LOG, "Log");
        this.state = Objects.requireNonNull(state, "state");
    }

    /** {@return a builder for a VM that entered {@code state} ("running", "paused", "stopped", "migrated", ...)} */
    public static VmStateChange of(EventContext ctx, String state) {
        return new VmStateChange(ctx, state);
    }

    @Override protected void body(ObjectNode e) {
        e.put("state_id", 99).put("state", state);
    }
}
