package io.chirp.events.build;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.events.EventClass;

import java.util.Objects;

/**
 * OCSF File System Activity (1001): a file in the guest was created, changed, deleted or renamed. The actor is the
 * process that did it; when the change was found by comparing views, no process is known and the actor is the
 * kernel ({@code actor.app_name = "kernel"}).
 */
public final class FileSystemActivity extends EventBuilder<FileSystemActivity> {
    /** The activities CHIRP reports. */
    public enum Activity {
        CREATE(1, "Create"), READ(2, "Read"), UPDATE(3, "Update"), DELETE(4, "Delete"), RENAME(5, "Rename"),
        SET_ATTRIBUTES(6, "Set Attributes"), OPEN(14, "Open");

        final int id;
        final String caption;

        Activity(int id, String caption) {
            this.id = id;
            this.caption = caption;
        }
    }

    private final String path;
    private final Activity activity;
    private ProcessInfo actor;
    private String newPath;

    private FileSystemActivity(EventContext ctx, Activity activity, String path) {
        super(ctx, EventClass.FILE_SYSTEM_ACTIVITY, activity.id, activity.caption);
        this.activity = activity;
        this.path = Objects.requireNonNull(path, "path");
    }

    /** {@return a builder for {@code activity} on the file at {@code path}} */
    public static FileSystemActivity of(EventContext ctx, Activity activity, String path) {
        return new FileSystemActivity(ctx, activity, path);
    }

    /** {@return a builder for a rename of {@code from} to {@code to} (file_result holds the new name)} */
    public static FileSystemActivity rename(EventContext ctx, String from, String to) {
        FileSystemActivity b = new FileSystemActivity(ctx, Activity.RENAME, from);
        b.newPath = Objects.requireNonNull(to, "to");
        return b;
    }

    /** The process that acted on the file. */
    public FileSystemActivity actor(ProcessInfo p) { this.actor = p; return this; }

    @Override protected void body(ObjectNode e) {
        e.set("file", ObjectJson.file(path));
        if (activity == Activity.RENAME && newPath != null) e.set("file_result", ObjectJson.file(newPath));
        e.set("actor", actor != null ? ObjectJson.actorProcess(actor) : e.objectNode().put("app_name", "kernel"));
    }
}
