package io.chirp.events.store;

import io.chirp.events.OcsfEvent;

/**
 * One row of the store.
 *
 * @param id       row id (insertion order)
 * @param time     event time, epoch ms
 * @param classUid OCSF class_uid
 * @param activity activity name
 * @param vm       VM name, or null
 * @param severity severity_id
 * @param uid      metadata.uid, or null
 * @param json     the whole event as stored
 */
public record StoredEvent(long id, long time, int classUid, String activity, String vm, int severity, String uid,
                          String json) {
    /** {@return the event parsed back from its JSON} */
    public OcsfEvent event() { return OcsfEvent.parse(json); }
}
