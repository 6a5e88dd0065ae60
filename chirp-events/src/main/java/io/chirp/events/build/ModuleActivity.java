package io.chirp.events.build;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.events.EventClass;

import java.util.Objects;

/**
 * OCSF Module Activity (1005) for Linux kernel modules: loaded or unloaded.
 *
 * <p>The module's name is carried by {@code module.file.name} (OCSF's module object has no name of its own).
 * The actor is the loading process when tracing saw it (finit_module); when a module is found by polling, nobody
 * is known to have loaded it and the actor is the kernel ({@code actor.app_name = "kernel"}).
 */
public final class ModuleActivity extends EventBuilder<ModuleActivity> {
    /** The activities CHIRP reports. */
    public enum Activity {
        LOAD(1, "Load"), UNLOAD(2, "Unload");

        final int id;
        final String caption;

        Activity(int id, String caption) {
            this.id = id;
            this.caption = caption;
        }
    }

    /** OCSF module.load_type_id 1: Standard (loaded by the OS loader; for Linux, by the kernel's module loader). */
    private static final int STANDARD_LOAD = 1;

    private final KernelModule module;
    private ProcessInfo actor;

    private ModuleActivity(EventContext ctx, Activity activity, KernelModule module) {
        super(ctx, EventClass.MODULE_ACTIVITY, activity.id, activity.caption);
        this.module = Objects.requireNonNull(module, "module");
    }

    public static ModuleActivity load(EventContext ctx, KernelModule module) {
        return new ModuleActivity(ctx, Activity.LOAD, module);
    }

    public static ModuleActivity unload(EventContext ctx, KernelModule module) {
        return new ModuleActivity(ctx, Activity.UNLOAD, module);
    }

    /** The process that loaded or removed the module (insmod, modprobe...). */
    public ModuleActivity actor(ProcessInfo p) { this.actor = p; return this; }

    @Override protected void body(ObjectNode e) {
        ObjectNode m = e.putObject("module");
        m.put("type", "Kernel Module");
        m.put("base_address", ObjectJson.hex(module.baseAddress()));
        m.put("load_type_id", STANDARD_LOAD).put("load_type", "Standard");
        ObjectNode file = module.path() != null ? ObjectJson.file(module.path())
                : e.objectNode().put("name", module.name()).put("type_id", 1).put("type", "Regular File");
        file.put("name", module.name());
        m.set("file", file);
        e.set("actor", actor != null ? ObjectJson.actorProcess(actor) : e.objectNode().put("app_name", "kernel"));
    }
}
