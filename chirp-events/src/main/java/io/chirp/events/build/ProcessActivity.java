package io.chirp.events.build;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.events.EventClass;

import java.util.Objects;

/**
 * OCSF Process Activity (1007): a process started or exited in the guest.
 *
 * <p>The actor is the process that did it. When the caller does not name one, a launch is attributed to the new
 * process's parent (Linux: the forking process) and a termination to the process itself (OCSF's reflexive case).
 */
public final class ProcessActivity extends EventBuilder<ProcessActivity> {
    /** The activities CHIRP reports. */
    public enum Activity {
        LAUNCH(1, "Launch"), TERMINATE(2, "Terminate"), SET_USER_ID(5, "Set User ID");

        final int id;
        final String caption;

        Activity(int id, String caption) {
            this.id = id;
            this.caption = caption;
        }
    }

    private final Activity activity;
    private final ProcessInfo process;
    private ProcessInfo actor;
    private Integer exitCode;

    private ProcessActivity(EventContext ctx, Activity activity, ProcessInfo process) {
        super(ctx, EventClass.PROCESS_ACTIVITY, activity.id, activity.caption);
        this.activity = activity;
        this.process = Objects.requireNonNull(process, "process");
    }

    /** {@return a builder for a process that started} */
    public static ProcessActivity launch(EventContext ctx, ProcessInfo process) {
        return new ProcessActivity(ctx, Activity.LAUNCH, process);
    }

    /** {@return a builder for a process that exited} */
    public static ProcessActivity terminate(EventContext ctx, ProcessInfo process) {
        return new ProcessActivity(ctx, Activity.TERMINATE, process);
    }

    /**
     * {@return a builder for a process whose user identity changed} The actor is the same process as it was
     * before, so {@code actor.user} holds the previous identity and {@code process.user} the new one.
     */
    public static ProcessActivity setUserId(EventContext ctx, ProcessInfo after, ProcessInfo before) {
        return new ProcessActivity(ctx, Activity.SET_USER_ID, after).actor(before);
    }

    /** The process that performed the activity. */
    public ProcessActivity actor(ProcessInfo p) { this.actor = p; return this; }

    /** The exit code of a terminated process. */
    public ProcessActivity exitCode(int code) { this.exitCode = code; return this; }

    @Override protected void body(ObjectNode e) {
        e.set("process", ObjectJson.process(process));
        e.set("actor", ObjectJson.actorProcess(actor != null ? actor : defaultActor()));
        if (exitCode != null) e.put("exit_code", exitCode);
    }

    private ProcessInfo defaultActor() {
        if (activity == Activity.LAUNCH && process.parent() != null) {
            ParentInfo p = process.parent();
            ProcessInfo a = ProcessInfo.of(p.pid(), p.name() != null ? p.name() : "");
            return p.cmdLine() != null ? a.withCmdLine(p.cmdLine()) : a;
        }
        return process;
    }
}
