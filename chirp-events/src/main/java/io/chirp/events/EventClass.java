package io.chirp.events;

import io.chirp.core.ChirpException;

import java.util.Locale;

/** The OCSF classes CHIRP emits, with their uids and captions (tests hold these to the schema). */
public enum EventClass {
    FILE_SYSTEM_ACTIVITY(1001, "file_activity", "File System Activity", 1, "System Activity"),
    MODULE_ACTIVITY(1005, "module_activity", "Module Activity", 1, "System Activity"),
    PROCESS_ACTIVITY(1007, "process_activity", "Process Activity", 1, "System Activity"),
    DETECTION_FINDING(2004, "detection_finding", "Detection Finding", 2, "Findings"),
    NETWORK_ACTIVITY(4001, "network_activity", "Network Activity", 4, "Network Activity"),
    DEVICE_CONFIG_STATE_CHANGE(5019, "device_config_state_change", "Device Config State Change", 5, "Discovery");

    private final int uid;
    private final String schemaName;
    private final String caption;
    private final int categoryUid;
    private final String categoryName;

    EventClass(int uid, String schemaName, String caption, int categoryUid, String categoryName) {
        this.uid = uid;
        this.schemaName = schemaName;
        this.caption = caption;
        this.categoryUid = categoryUid;
        this.categoryName = categoryName;
    }

    /** {@return class_uid} */
    public int uid() { return uid; }

    /** {@return the OCSF class name, e.g. process_activity} */
    public String schemaName() { return schemaName; }

    /** {@return the class caption, e.g. Process Activity} */
    public String caption() { return caption; }

    /** {@return category_uid} */
    public int categoryUid() { return categoryUid; }

    /** {@return the category caption} */
    public String categoryName() { return categoryName; }

    /**
     * {@return the class named by a user: its uid (1007), OCSF name (process_activity), short name (process),
     * or caption, case-insensitively}
     */
    public static EventClass parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        for (EventClass c : values()) {
            String shortName = c.schemaName.replace("_activity", "").replace("_finding", "");
            if (t.equals(Integer.toString(c.uid)) || t.equals(c.schemaName) || t.equals(shortName)
                    || t.equals(c.caption.toLowerCase(Locale.ROOT).replace(' ', '_')) || t.equals(c.name().toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw ChirpException.usage("unknown event class '" + text + "'; one of: process, module, network, file, "
                + "detection (or an OCSF class name or uid)");
    }

    /** {@return the class with this uid} */
    public static EventClass of(int uid) {
        for (EventClass c : values()) if (c.uid == uid) return c;
        throw new IllegalArgumentException("CHIRP does not emit class_uid " + uid);
    }
}
