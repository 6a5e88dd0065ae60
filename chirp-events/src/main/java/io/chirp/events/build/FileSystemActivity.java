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

    /**
     * What is known of the file beyond its path; each fact null when unknown.
     *
     * @param inode    the inode number (OCSF file.uid)
     * @param ownerUid the owner's uid (file.owner)
     * @param size     bytes
     * @param accessed last access, epoch ms
     * @param modified last content change, epoch ms
     * @param changed  last inode change (Linux ctime; OCSF has no attribute: unmapped.file_changed_time)
     * @param deleted  true if the file has no name left (file.is_deleted)
     */
    public record Facts(Long inode, Integer ownerUid, Long size, Long accessed, Long modified, Long changed, Boolean deleted) {}

    private final String path;
    private final Activity activity;
    private Facts facts;
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

    /** What is known of the file (inode, owner, size, times). */
    public FileSystemActivity facts(Facts f) {
        this.facts = f;
        if (f != null && f.changed() != null) unmapped("file_changed_time", f.changed());
        return this;
    }

    /** The process that acted on the file. */
    public FileSystemActivity actor(ProcessInfo p) { this.actor = p; return this; }

    @Override protected void body(ObjectNode e) {
        e.set("file", withFacts(ObjectJson.file(path)));
        if (activity == Activity.RENAME && newPath != null) e.set("file_result", withFacts(ObjectJson.file(newPath)));
        e.set("actor", actor != null ? ObjectJson.actorProcess(actor) : e.objectNode().put("app_name", "kernel"));
    }

    private ObjectNode withFacts(ObjectNode file) {
        if (facts == null) return file;
        if (facts.inode() != null) file.put("uid", Long.toString(facts.inode()));
        if (facts.ownerUid() != null) file.set("owner", ObjectJson.user(UserInfo.linux(facts.ownerUid(), facts.ownerUid() == 0 ? "root" : null)));
        if (facts.size() != null) file.put("size", facts.size());
        if (facts.accessed() != null) file.put("accessed_time", facts.accessed());
        if (facts.modified() != null) file.put("modified_time", facts.modified());
        if (facts.deleted() != null) file.put("is_deleted", facts.deleted());
        return file;
    }
}
