package io.chirp.linux;

import java.util.List;

/**
 * A loadable kernel module as its {@code struct module} describes it. Fields that could not be read are null,
 * and {@code problems} says which and why: one bad field does not lose the row.
 *
 * @param name       module name ({@code module.name})
 * @param base       start of the module's core memory (its code, where /proc/modules points)
 * @param size       bytes of core (plus init) memory, as /proc/modules counts them
 * @param state      LIVE, COMING, GOING or UNFORMED (the kernel's module_state without its prefix)
 * @param refcount   users of the module (refcnt minus the kernel's base reference), null if unreadable
 * @param taints     taint letters of this module ("" when clean, e.g. "OE" for out-of-tree unsigned)
 * @param parameters parameters with their values where the type is simple
 * @param address    address of the {@code struct module}
 * @param problems   what could not be read
 */
public record ModuleInfo(String name, long base, Long size, String state, Integer refcount, String taints,
                         List<Param> parameters, long address, List<String> problems) {
    public ModuleInfo {
        parameters = List.copyOf(parameters);
        problems = List.copyOf(problems);
    }

    /**
     * One module parameter ({@code struct kernel_param}).
     *
     * @param name  parameter name
     * @param type  the kernel_param_ops it uses, without its "param_ops_" prefix ("int", "charp", ...), or the ops
     *              symbol when not a standard one
     * @param value the value for simple types, null otherwise (arrays, custom ops, unreadable)
     */
    public record Param(String name, String type, String value) {}

    /** {@return true if {@code va} is inside this module's core memory} */
    public boolean contains(long va) {
        return size != null && Long.compareUnsigned(va, base) >= 0 && Long.compareUnsigned(va, base + size) < 0;
    }
}
