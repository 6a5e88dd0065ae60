package io.chirp.linux;

import io.chirp.core.ChirpException;
import io.chirp.guest.Guest;
import io.chirp.symbols.types.BtfType;

import java.util.List;

/**
 * What differs between Linux builds and which variant this kernel has, resolved once when CHIRP attaches (from BTF
 * and kallsyms), so that no walker probes for members or symbols again: each one switches on these values.
 * A variant CHIRP does not know is {@code NONE}; the walker that needs it fails with a clear UNAVAILABLE error
 * instead of guessing.
 *
 * @param taskState      where a task's run state is ({@code __state} since 5.14, {@code state} before)
 * @param threads        how a thread group is linked
 * @param vmas           how an mm holds its VMAs
 * @param moduleMemory   how a module records where its code and data are
 * @param moduleNameSize {@code sizeof(module.name)} (MODULE_NAME_LEN: 56 on 64-bit builds, read from BTF)
 * @param mounts         how a mount namespace holds its mounts
 * @param tcpListen      the list type of the TCP listening hash (nulls since 5.19)
 * @param unixSockets    where unix sockets are hashed (per namespace since 5.19)
 * @param syscalls       what dispatches system calls
 */
public record KernelFeatures(TaskState taskState, Threads threads, Vmas vmas, ModuleMemory moduleMemory,
                             int moduleNameSize, MountTree mounts, TcpListen tcpListen, UnixSockets unixSockets,
                             SyscallDispatch syscalls) {

    public enum TaskState { STATE_UNDERSCORE, STATE, NONE }

    public enum Threads { SIGNAL_THREAD_HEAD, THREAD_GROUP, NONE }

    public enum Vmas { MAPLE_TREE, LINKED_LIST, NONE }

    public enum ModuleMemory { MODULE_MEMORY, CORE_LAYOUT, NONE }

    public enum MountTree { RBTREE, LIST, NONE }

    public enum TcpListen { NULLS, HLIST, NONE }

    public enum UnixSockets { PER_NAMESPACE, GLOBAL, NONE }

    /** {@code TABLE_AND_SWITCH}: 6.9+ and Debian's patched 6.1 call through {@code x64_sys_call}'s direct branches. */
    public enum SyscallDispatch { TABLE_AND_SWITCH, TABLE }

    /** MODULE_NAME_LEN on 64-bit builds, when BTF does not give the array's length. */
    static final int DEFAULT_MODULE_NAME = 56;

    static KernelFeatures resolve(Layout l, io.chirp.symbols.KernelSymbols symbols) {
        TaskState state = l.find("task_struct", "__state").isPresent() ? TaskState.STATE_UNDERSCORE
                : l.find("task_struct", "state").isPresent() ? TaskState.STATE : TaskState.NONE;
        Threads threads = l.find("signal_struct", "thread_head").isPresent() && l.find("task_struct", "thread_node").isPresent()
                ? Threads.SIGNAL_THREAD_HEAD
                : l.find("task_struct", "thread_group").isPresent() ? Threads.THREAD_GROUP : Threads.NONE;
        Vmas vmas = l.find("mm_struct", "mm_mt").isPresent() ? Vmas.MAPLE_TREE
                : l.find("mm_struct", "mmap").isPresent() && l.find("vm_area_struct", "vm_next").isPresent()
                ? Vmas.LINKED_LIST : Vmas.NONE;
        ModuleMemory mods = l.find("module", "core_layout").isPresent() ? ModuleMemory.CORE_LAYOUT
                : l.find("module", "mem").isPresent() ? ModuleMemory.MODULE_MEMORY : ModuleMemory.NONE;
        MountTree mounts = l.find("mount", "mnt_node").isPresent() && l.find("mnt_namespace", "mounts").isPresent()
                ? MountTree.RBTREE
                : l.find("mnt_namespace", "list").isPresent() && l.find("mount", "mnt_list").isPresent()
                ? MountTree.LIST : MountTree.NONE;
        TcpListen listen = l.find("inet_listen_hashbucket", "nulls_head").isPresent() ? TcpListen.NULLS
                : l.find("inet_listen_hashbucket", "head").isPresent() ? TcpListen.HLIST : TcpListen.NONE;
        UnixSockets unix = l.find("net", "unx.table.buckets").isPresent() && l.find("net", "list").isPresent()
                ? UnixSockets.PER_NAMESPACE
                : symbols.lookup("unix_socket_table").isPresent() ? UnixSockets.GLOBAL : UnixSockets.NONE;
        SyscallDispatch sys = symbols.lookup("x64_sys_call").isPresent() ? SyscallDispatch.TABLE_AND_SWITCH
                : SyscallDispatch.TABLE;
        return new KernelFeatures(state, threads, vmas, mods, arrayLength(l, "module", "name", DEFAULT_MODULE_NAME),
                mounts, listen, unix, sys);
    }

    /** {@return the element count of an array member, or {@code fallback} when BTF does not say (or says nonsense)} */
    private static int arrayLength(Layout l, String struct, String member, int fallback) {
        if (l.find(struct, member).isEmpty()) return fallback;
        BtfType t;
        try {
            t = l.types().resolve(l.member(struct, member).type());
        } catch (ChirpException e) {
            return fallback; // a member whose type BTF cannot resolve: the documented default
        }
        return t instanceof BtfType.Array a && a.count() > 0 && a.count() <= 4096 ? (int) a.count() : fallback;
    }

    /** {@return these features as {@link Guest.Capability} lines, in declaration order} */
    public List<Guest.Capability> capabilities() {
        return List.of(new Guest.Capability("task state", taskState.name().toLowerCase()),
                new Guest.Capability("threads", threads.name().toLowerCase()),
                new Guest.Capability("vmas", vmas.name().toLowerCase()),
                new Guest.Capability("module memory", moduleMemory.name().toLowerCase()),
                new Guest.Capability("module name size", Integer.toString(moduleNameSize)),
                new Guest.Capability("mounts", mounts.name().toLowerCase()),
                new Guest.Capability("tcp listen hash", tcpListen.name().toLowerCase()),
                new Guest.Capability("unix sockets", unixSockets.name().toLowerCase()),
                new Guest.Capability("system calls", syscalls.name().toLowerCase()));
    }
}
