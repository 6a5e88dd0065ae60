package io.chirp.tables;

import io.chirp.linux.KernelClock;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Privileges;
import io.chirp.linux.bpf.BpfObjects;
import io.chirp.linux.ModuleInfo;
import io.chirp.linux.carve.CarvedTask;
import io.chirp.linux.fs.Mount;
import io.chirp.linux.fs.OpenFile;
import io.chirp.linux.fs.PageCache;
import io.chirp.linux.integrity.IntegrityFinding;
import io.chirp.linux.integrity.IntegrityReport;
import io.chirp.linux.log.LogRecord;
import io.chirp.linux.mm.MemoryMap;
import io.chirp.linux.net.Interfaces;
import io.chirp.linux.net.LinuxSocket;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.chirp.tables.ColumnType.BOOLEAN;
import static io.chirp.tables.ColumnType.HEX;
import static io.chirp.tables.ColumnType.INTEGER;
import static io.chirp.tables.ColumnType.LIST;
import static io.chirp.tables.ColumnType.NUMBER;
import static io.chirp.tables.ColumnType.OBJECT;
import static io.chirp.tables.ColumnType.STRING;
import static io.chirp.tables.ColumnType.TIMESTAMP;
import static io.chirp.tables.ColumnType.hex;

/**
 * The Linux views' tables, with exactly the columns {@code chirp linux ...} prints (same names, same order).
 * Where a view's row joins two records (a map and its process), the row type is a small record here.
 */
public final class LinuxTables {
    private LinuxTables() {}

    /** A psaux row: the process and, when asked for, its environment (null if unreadable). */
    public record PsAuxRow(LinuxProcess process, String environment, boolean environmentTruncated) {
        public PsAuxRow(LinuxProcess process, String environment) { this(process, environment, false); }

        /** {@return whether the command line or the environment was cut at the read cap} */
        public boolean truncated() { return process.cmdlineTruncated() || environmentTruncated; }
    }

    /** Appended to a command line (or environment) cut at {@code Processes.MAX_CMDLINE} bytes. */
    public static final String TRUNCATED = " [... cut at " + (io.chirp.linux.Processes.MAX_CMDLINE >> 10) + " KiB]";

    /** A pslist row: the process, and the guest's clock (null if unreadable) for its start in UTC. */
    public record PsRow(LinuxProcess process, KernelClock clock) {
        String startUtc() {
            return clock == null || process.startSeconds() == null ? null : clock.monotonic(process.startSeconds()).toString();
        }
    }

    /** A pstree row: a process at its depth below its root. */
    public record TreeRow(int depth, LinuxProcess process) {}

    /** A maps row: one VMA of a process. */
    public record MapRow(int pid, String comm, MemoryMap map) {}

    /** A dmesg row: the record, with the level names dmesg uses, and the guest's clock (null if unreadable). */
    public record LogRow(LogRecord record, KernelClock clock) {
        public LogRow(LogRecord record) { this(record, null); }

        String utc() { return clock == null ? null : clock.monotonic(record.nanos() / 1e9).toString(); }

        static final List<String> LEVELS = List.of("emerg", "alert", "crit", "err", "warn", "notice", "info", "debug");

        String level() { return LEVELS.get(record.level() & 7); }

        String caller() {
            long c = record.callerId();
            return (c & 0x8000_0000L) != 0 ? "C" + (c & 0x7fff_ffffL) : "T" + c;
        }
    }

    // The process columns, declared once: pslist shows them on the process itself, the other views on the
    // process a row belongs to (through like()), so a pid or a comm means the same thing in every table.
    private static final Column<LinuxProcess> PID = Column.of("pid", INTEGER, "process id (thread group id)", LinuxProcess::tgid);
    private static final Column<LinuxProcess> PPID = Column.of("ppid", INTEGER, "parent's process id (real_parent)", LinuxProcess::ppid);
    private static final Column<LinuxProcess> COMM = Column.of("comm", STRING, "task name (comm, at most 15 bytes; guest data)",
            LinuxProcess::comm);
    private static final Column<LinuxProcess> UID = Column.of("uid", INTEGER, "real user id, null if unreadable", LinuxProcess::uid);

    /** {@return a shared column with the value taken from another row type} */
    private static <R> Column<R> like(Column<?> c, Function<? super R, ?> value) {
        return new Column<>(c.name(), c.type(), c.doc(), value, c.text(), c.optional());
    }

    /** {@return a shared process column for rows that carry their process} */
    private static <R> Column<R> of(Column<LinuxProcess> c, Function<? super R, LinuxProcess> process) {
        return like(c, r -> c.value().apply(process.apply(r)));
    }

    public static final TableDef<PsRow> PSLIST = TableDef.of("pslist",
            "A process (or, with threads, a thread) from the kernel's task list.",
            of(PID, PsRow::process),
            Column.of("tid", INTEGER, "thread id (equals pid for the group leader)", r -> r.process().pid()),
            of(PPID, PsRow::process), of(COMM, PsRow::process), of(UID, PsRow::process),
            Column.of("gid", INTEGER, "real group id, null if unreadable", r -> r.process().gid()),
            Column.of("euid", INTEGER, "effective user id, null if unreadable", r -> r.process().euid()),
            Column.of("state", STRING, "scheduler state (R, S, D, Z, ...)", r -> r.process().state()),
            Column.of("start_s", NUMBER, "start time in seconds since boot", r -> r.process().startSeconds()),
            Column.of("start_utc", TIMESTAMP, "start time in UTC by the guest's clock, null if unreadable", PsRow::startUtc),
            Column.of("kthread", BOOLEAN, "true for a kernel thread", r -> r.process().kernelThread()),
            Column.of("exe", STRING, "executable path (mm->exe_file), null if none", r -> r.process().exe()),
            Column.of("task", HEX, "address of the task_struct", r -> hex(r.process().task())));

    public static final TableDef<PsAuxRow> PSAUX = TableDef.of("psaux",
            "A process with its command line, read from the process's own memory.",
            of(PID, PsAuxRow::process), of(PPID, PsAuxRow::process), of(UID, PsAuxRow::process), of(COMM, PsAuxRow::process),
            Column.of("cmdline", STRING, "command line (arguments joined by spaces); [comm] for kernel threads; a"
                            + " marker at the end when it was cut at the read cap",
                    r -> r.process().kernelThread() ? "[" + r.process().comm() + "]"
                            : r.process().cmdline() == null ? null
                            : r.process().cmdline() + (r.process().cmdlineTruncated() ? TRUNCATED : "")),
            Column.of("truncated", BOOLEAN, "true when the command line or the environment was cut at the read cap",
                    PsAuxRow::truncated),
            Column.<PsAuxRow>of("environment", STRING, "environment (NAME=value, space-separated), null if unreadable",
                    r -> r.environment() == null ? null : r.environment() + (r.environmentTruncated() ? TRUNCATED : ""))
                    .asOptional());

    public static final TableDef<TreeRow> PSTREE = TableDef.of("pstree",
            "A process in tree order (parents before children), with its depth.",
            Column.of("depth", INTEGER, "depth below the root (0 for the roots)", TreeRow::depth),
            of(PID, TreeRow::process), of(PPID, TreeRow::process), of(COMM, TreeRow::process),
            Column.of("cmdline", STRING, "command line, null if unreadable", r -> r.process().cmdline()));

    public static final TableDef<CarvedTask> PSSCAN = TableDef.of("psscan",
            "A task_struct carved from the task_struct slab cache, on the task list or not (exited, hidden).",
            Column.of("pid", INTEGER, "process id (thread group id)", CarvedTask::tgid),
            Column.of("tid", INTEGER, "thread id (equals pid for the group leader)", CarvedTask::pid),
            Column.of("ppid", INTEGER, "the tgid its real_parent leads to now, null if unreadable", CarvedTask::ppid),
            Column.of("comm", STRING, "task name (comm; guest data)", CarvedTask::comm),
            Column.of("uid", INTEGER, "real uid through its cred, null if unreadable", CarvedTask::uid),
            Column.of("state", STRING, "scheduler state letter (X: dead)", CarvedTask::state),
            Column.of("start_s", NUMBER, "start time in seconds since boot", CarvedTask::startSeconds),
            Column.of("status", STRING, "listed (on the task list), exited (the kernel marked it dead), hidden (alive"
                    + " but off the task list) or stale (off the list, linked to nothing live)",
                    t -> t.status().name().toLowerCase(Locale.ROOT)),
            Column.of("in_pid_table", BOOLEAN, "true if the PID allocator still leads to it", CarvedTask::inPidTable),
            Column.of("cmdline", STRING, "command line of a hidden task that still has its memory, else null",
                    CarvedTask::cmdline),
            Column.of("exe", STRING, "executable of a hidden task that still has its memory, else null", CarvedTask::exe),
            Column.of("task", HEX, "address of the task_struct (in slab memory)", t -> hex(t.task())));

    public static final TableDef<ModuleInfo> LSMOD = TableDef.of("lsmod",
            "A kernel module from the kernel's module list.",
            Column.of("name", STRING, "module name", ModuleInfo::name),
            Column.of("base", HEX, "address of its core text", m -> hex(m.base())),
            Column.of("size", INTEGER, "size of its core layout in bytes, null if unreadable", ModuleInfo::size),
            Column.of("state", STRING, "LIVE, COMING, GOING or UNFORMED", ModuleInfo::state),
            Column.of("refs", INTEGER, "reference count, null if unreadable", ModuleInfo::refcount),
            Column.of("taints", STRING, "taint flags (O out-of-tree, E unsigned, ...)", ModuleInfo::taints),
            Column.of("struct", HEX, "address of the struct module", m -> hex(m.address())),
            Column.<ModuleInfo>of("parameters", STRING, "parameters as name=value (? when not readable)",
                    m -> m.parameters().stream().map(x -> x.name() + "=" + (x.value() == null ? "?" : x.value()))
                            .collect(Collectors.joining(" "))).asOptional());

    public static final TableDef<LinuxSocket> SOCKETS = TableDef.of("sockets",
            "A TCP, UDP or Unix socket with the processes that hold it open.",
            Column.of("proto", STRING, "protocol: tcp, tcp6, udp, udp6, unix, ...", LinuxSocket::protocol),
            Column.of("type", STRING, "socket type (STREAM, DGRAM, ...)", LinuxSocket::type),
            Column.of("state", STRING, "connection state (LISTEN, ESTABLISHED, ...)", LinuxSocket::state),
            Column.of("local", STRING, "local address:port, or the Unix path", LinuxSocket::localText),
            Column.of("remote", STRING, "remote address:port, null if none", LinuxSocket::remoteText),
            Column.of("inode", INTEGER, "socket inode (socket:[N]), 0 if none", LinuxSocket::inode),
            Column.of("owners", STRING, "holders as pid/comm:fd, space-separated; null if only the kernel holds it",
                    s -> s.owners().isEmpty() ? null : s.owners().stream().map(o -> o.pid() + "/" + o.comm() + ":" + o.fd())
                            .collect(Collectors.joining(" "))),
            Column.of("seen", STRING, "where it was found: fd, kernel or fd+kernel",
                    s -> s.seenIn().size() == 2 ? "fd+kernel"
                            : s.seenIn().contains(LinuxSocket.Origin.KERNEL_TABLE) ? "kernel" : "fd"),
            Column.of("sock", HEX, "address of the struct sock", s -> hex(s.sock())),
            Column.of("netns", INTEGER, "inode number of its network namespace (/proc/PID/ns/net)", LinuxSocket::netns));

    public static final TableDef<OpenFile> LSOF = TableDef.of("lsof", "An open file descriptor of a process.",
            like(PID, OpenFile::pid), like(COMM, OpenFile::comm),
            Column.of("fd", INTEGER, "descriptor number", OpenFile::fd),
            Column.of("type", STRING, "regular, directory, socket, pipe, anon_inode, ...",
                    o -> o.file().kind().name().toLowerCase(Locale.ROOT)),
            Column.of("mode", STRING, "access mode: r, w, rw or -", o -> o.file().mode()),
            Column.of("flags", STRING, "open flags in octal (0-prefixed)", o -> "0" + Integer.toOctalString(o.file().flags())),
            Column.of("pos", INTEGER, "file position", o -> o.file().position()),
            Column.of("inode", INTEGER, "inode number", o -> o.file().inode()),
            Column.of("name", STRING, "path or pseudo-file name", o -> o.file().name()));

    public static final TableDef<MapRow> MAPS = TableDef.of("maps", "A memory map (VMA) of a process, as /proc/PID/maps.",
            like(PID, MapRow::pid), like(COMM, MapRow::comm),
            Column.of("start", HEX, "first address", r -> hex(r.map().start())),
            Column.of("end", HEX, "address after the last", r -> hex(r.map().end())),
            Column.of("perms", STRING, "rwxp / rwxs", r -> r.map().perms()),
            Column.of("offset", HEX, "offset in the mapped file", r -> hex(r.map().offset())),
            Column.of("dev", STRING, "device major:minor (hex)", r -> r.map().device()),
            Column.of("inode", INTEGER, "inode of the mapped file, 0 if anonymous", r -> r.map().inode()),
            Column.of("path", STRING, "mapped file, or [heap], [stack], ...; null if anonymous", r -> r.map().name()));

    /** A mounts row: a mount and the inode number of its mount namespace (mnt:[N]). */
    public record MountRow(long mntNs, Mount mount) {}

    public static final TableDef<MountRow> MOUNTS = TableDef.of("mounts",
            "A mount of init's mount namespace (of every namespace with --all-namespaces).",
            Column.of("device", STRING, "mounted device or source", r -> r.mount().device()),
            Column.of("mountpoint", STRING, "where it is mounted", r -> r.mount().mountPoint()),
            Column.of("type", STRING, "file system type", r -> r.mount().fsType()),
            Column.of("options", STRING, "mount options, comma-separated", r -> String.join(",", r.mount().options())),
            Column.of("mnt_ns", INTEGER, "inode number of its mount namespace (/proc/PID/ns/mnt)", MountRow::mntNs));

    public static final TableDef<PageCache.CachedFile> FILES = TableDef.of("cached_files",
            "A regular file in the kernel's inode and page caches (tmpfs, ramfs and shm files live only there).",
            Column.of("mountpoint", STRING, "where its file system is mounted; (shm_mnt) for memfd and SysV shm",
                    PageCache.CachedFile::mountPoint),
            Column.of("type", STRING, "file system type", PageCache.CachedFile::fsType),
            Column.of("inode", INTEGER, "inode number", PageCache.CachedFile::inode),
            Column.of("path", STRING, "path through its first dentry; null if none is left", PageCache.CachedFile::path),
            Column.of("size", INTEGER, "size in bytes (i_size)", PageCache.CachedFile::size),
            Column.of("resident_pages", INTEGER, "pages in the page cache", PageCache.CachedFile::residentPages),
            Column.of("pages", INTEGER, "pages its size spans", PageCache.CachedFile::pages),
            Column.<PageCache.CachedFile>of("deleted", BOOLEAN, "no links left, alive because open or mapped",
                    PageCache.CachedFile::deleted));

    public static final TableDef<Interfaces.Interface> IFCONFIG = TableDef.of("ifconfig",
            "A network interface of the initial network namespace (of every one with --all-namespaces), with its IPv4"
                    + " addresses.",
            Column.of("name", STRING, "interface name", Interfaces.Interface::name),
            Column.of("index", INTEGER, "ifindex", Interfaces.Interface::index),
            Column.of("mac", STRING, "hardware address", Interfaces.Interface::mac),
            Column.of("mtu", INTEGER, "MTU", Interfaces.Interface::mtu),
            Column.of("up", BOOLEAN, "IFF_UP", Interfaces.Interface::up),
            Column.of("promisc", BOOLEAN, "promiscuous mode (a sniffer's tell)", Interfaces.Interface::promisc),
            Column.<Interfaces.Interface>of("addresses", STRING, "IPv4 addresses (a.b.c.d/prefix), comma-separated",
                    i -> String.join(",", i.addresses())),
            Column.of("netns", INTEGER, "inode number of its network namespace (/proc/PID/ns/net)", Interfaces.Interface::netns));

    public static final TableDef<LogRow> DMESG = TableDef.of("dmesg", "A kernel log record from the printk ring buffer.",
            Column.of("seq", INTEGER, "sequence number (a gap means records were lost)", r -> r.record().seq()),
            Column.of("time", STRING, "seconds since boot, as dmesg prints it", r -> r.record().timestamp().strip()),
            Column.of("seconds", NUMBER, "seconds since boot", r -> r.record().nanos() / 1e9),
            Column.of("time_utc", TIMESTAMP, "UTC by the guest's clock (the log's clock does not count suspend), null"
                    + " if unreadable", LogRow::utc),
            Column.of("level", STRING, "emerg, alert, crit, err, warn, notice, info or debug", LogRow::level),
            Column.of("facility", INTEGER, "syslog facility", r -> r.record().facility()),
            Column.of("caller", STRING, "T<thread id> or C<cpu>", LogRow::caller),
            Column.of("text", STRING, "the message (guest data)", r -> r.record().text()));

    public static final TableDef<IntegrityFinding> CHECK = TableDef.of("check",
            "A finding of an integrity check (what a rootkit hides or hooks).",
            Column.of("severity", STRING, "CRITICAL, WARNING or INFO", f -> f.severity().name()),
            Column.of("check", STRING, "the check that found it", IntegrityFinding::check),
            Column.of("finding", STRING, "what was found", IntegrityFinding::summary),
            Column.of("evidence", OBJECT, "named evidence (addresses as 0x-hex)", IntegrityFinding::evidence));

    public static final TableDef<IntegrityReport.Section> CHECK_SECTIONS = TableDef.of("check_sections",
            "What one integrity check examined, and whether it saw everything.",
            Column.of("check", STRING, "the check", IntegrityReport.Section::check),
            Column.of("examined", INTEGER, "objects examined (entries, gates, tasks, ...)", IntegrityReport.Section::examined),
            Column.of("findings", INTEGER, "findings of this check", s -> s.findings().size()),
            Column.<IntegrityReport.Section>of("complete", BOOLEAN, "false if part of it could not be read",
                    IntegrityReport.Section::complete).withText(v -> Boolean.TRUE.equals(v) ? "yes" : "PARTIAL"),
            Column.<IntegrityReport.Section>of("problems", LIST, "why it is partial (chirp linux check prints these on stderr)",
                    IntegrityReport.Section::problems).asOptional());

    /** A bpf programs row: the program, and the guest's clock (null if unreadable) for its load time in UTC. */
    public record BpfProgRow(BpfObjects.Program program, KernelClock clock) {
        String loadUtc() {
            return clock == null || program.loadSeconds() == null ? null : clock.boottime(program.loadSeconds()).toString();
        }
    }

    private static String holders(List<BpfObjects.Holder> hs) {
        return hs.isEmpty() ? null : hs.stream().map(h -> h.pid() + "/" + h.comm() + ":" + h.fd()).collect(Collectors.joining(" "));
    }

    public static final TableDef<BpfProgRow> BPF_PROGS = TableDef.of("bpf_progs",
            "A loaded eBPF program from the kernel's prog_idr (bpftool prog show).",
            Column.of("id", INTEGER, "program id", r -> r.program().id()),
            Column.of("type", STRING, "program type (socket_filter, kprobe, xdp, ...)", r -> r.program().type()),
            Column.of("tag", STRING, "program tag (hash of its instructions), 16 hex digits", r -> r.program().tag()),
            Column.of("name", STRING, "name given at load time (guest data)", r -> r.program().name()),
            Column.of("loaded_s", NUMBER, "load time in seconds since boot, null if unreadable", r -> r.program().loadSeconds()),
            Column.of("loaded_utc", TIMESTAMP, "load time in UTC by the guest's clock, null if unreadable", BpfProgRow::loadUtc),
            Column.<BpfProgRow>of("maps", LIST, "ids of the maps it uses",
                    r -> r.program().mapIds().stream().map(String::valueOf).toList()),
            Column.<BpfProgRow>of("attached", LIST, "attach points found: socket:[inode] pid/comm, link ID TYPE",
                    r -> r.program().attachedTo()),
            Column.of("holders", STRING, "processes with a descriptor for it, as pid/comm:fd; null if none",
                    r -> holders(r.program().holders())),
            Column.of("prog", HEX, "address of the struct bpf_prog", r -> hex(r.program().address())));

    public static final TableDef<BpfObjects.BpfMap> BPF_MAPS = TableDef.of("bpf_maps",
            "An eBPF map from the kernel's map_idr (bpftool map show).",
            Column.of("id", INTEGER, "map id", BpfObjects.BpfMap::id),
            Column.of("type", STRING, "map type (hash, array, ringbuf, ...)", BpfObjects.BpfMap::type),
            Column.of("name", STRING, "name given at creation (guest data)", BpfObjects.BpfMap::name),
            Column.of("key_size", INTEGER, "key size in bytes", BpfObjects.BpfMap::keySize),
            Column.of("value_size", INTEGER, "value size in bytes", BpfObjects.BpfMap::valueSize),
            Column.of("max_entries", INTEGER, "maximum number of entries", BpfObjects.BpfMap::maxEntries),
            Column.of("flags", HEX, "map_flags", m -> hex(m.flags())),
            Column.of("holders", STRING, "processes with a descriptor for it, as pid/comm:fd; null if none",
                    m -> holders(m.holders())),
            Column.of("map", HEX, "address of the struct bpf_map", m -> hex(m.address())));

    private static String capHex(Long v) { return v == null ? null : String.format("%016x", v); }

    public static final TableDef<Privileges.Entry> CAPS = TableDef.of("caps",
            "A process's capability sets (as /proc/PID/status prints them) and its ptrace tracer and tracees.",
            of(PID, Privileges.Entry::process),
            Column.of("tid", INTEGER, "thread id", e -> e.process().pid()),
            of(COMM, Privileges.Entry::process), of(UID, Privileges.Entry::process),
            Column.of("euid", INTEGER, "effective user id, null if unreadable", e -> e.process().euid()),
            Column.of("effective", STRING, "CapEff: 16 hex digits", e -> capHex(e.effective())),
            Column.of("permitted", STRING, "CapPrm", e -> capHex(e.permitted())),
            Column.of("inheritable", STRING, "CapInh", e -> capHex(e.inheritable())),
            Column.of("bounding", STRING, "CapBnd", e -> capHex(e.bounding())),
            Column.of("ambient", STRING, "CapAmb", e -> capHex(e.ambient())),
            Column.of("tracer", INTEGER, "pid of the process ptracing it (TracerPid), 0 if none", Privileges.Entry::tracer),
            Column.<Privileges.Entry>of("tracees", LIST, "thread ids of the tasks it ptraces",
                    e -> e.tracees().stream().map(String::valueOf).toList()),
            Column.of("kthread", BOOLEAN, "true for a kernel thread", e -> e.process().kernelThread()),
            Column.<Privileges.Entry>of("effective_names", LIST, "the effective capabilities by name (cap_ left off)",
                    e -> e.effective() == null ? null : Privileges.names(e.effective())).asOptional());

    public static final TableDef<io.chirp.linux.mm.ShellHistory.Command> SHELL_HISTORY = TableDef.of("shell_history",
            "A command remembered in a shell's heap (busybox ash/hush line editing, bash's history list).",
            Column.of("pid", INTEGER, "the shell's process id", io.chirp.linux.mm.ShellHistory.Command::pid),
            Column.of("comm", STRING, "the shell's name (guest data)", io.chirp.linux.mm.ShellHistory.Command::comm),
            Column.of("source", STRING, "busybox_lineedit or bash_history",
                    c -> c.source().name().toLowerCase(Locale.ROOT)),
            Column.of("index", INTEGER, "place in the history, 0 the oldest kept", io.chirp.linux.mm.ShellHistory.Command::index),
            Column.of("time_utc", TIMESTAMP, "when it was entered (bash records it), null if the shell records no time",
                    c -> c.time() == null ? null : c.time().toString()),
            Column.of("command", STRING, "the command line (guest data)", io.chirp.linux.mm.ShellHistory.Command::command),
            Column.of("address", HEX, "address of the string in the shell's memory", c -> hex(c.address())));

    public static final TableDef<io.chirp.linux.KernelThreads.Thread> KTHREADS = TableDef.of("kthreads",
            "A kernel thread with the function it runs (kthread->threadfn); suspicious when that lies outside kernel text"
                    + " and every listed module (a hidden or freed module's thread).",
            of(PID, io.chirp.linux.KernelThreads.Thread::process), of(PPID, io.chirp.linux.KernelThreads.Thread::process),
            of(COMM, io.chirp.linux.KernelThreads.Thread::process),
            Column.of("full_name", STRING, "kthread->full_name when the name is longer than comm, else null (guest data)",
                    io.chirp.linux.KernelThreads.Thread::fullName),
            Column.of("state", STRING, "scheduler state (R, S, D, I, ...)", t -> t.process().state()),
            Column.of("start_s", NUMBER, "start time in seconds since boot", t -> t.process().startSeconds()),
            Column.of("function", HEX, "address of its thread function; 0x0 if none (kthreadd), null if unreadable",
                    t -> t.function() == null ? null : hex(t.function())),
            Column.of("symbol", STRING, "the function as a kallsyms symbol (name+0xOFF), [module]+0xOFF in a module",
                    io.chirp.linux.KernelThreads.Thread::symbol),
            Column.of("owner", STRING, "kernel, the module holding the function, or null when nothing listed holds it",
                    io.chirp.linux.KernelThreads.Thread::owner),
            Column.of("suspicious", BOOLEAN, "true if its function lies outside kernel text and every listed module",
                    io.chirp.linux.KernelThreads.Thread::suspicious),
            Column.of("task", HEX, "address of the task_struct", t -> hex(t.process().task())));

    public static final TableDef<io.chirp.linux.carve.SocketCarver.CarvedSocket> SOCKSCAN = TableDef.of("sockscan",
            "A TCP socket (IPv4 or IPv6) carved from its slab cache, listed or not (closed and freed, hidden).",
            Column.of("proto", STRING, "tcp or tcp6", io.chirp.linux.carve.SocketCarver.CarvedSocket::protocol),
            Column.of("state", STRING, "its last connection state (CLOSE once closed)", io.chirp.linux.carve.SocketCarver.CarvedSocket::state),
            Column.of("local", STRING, "local address:port", io.chirp.linux.carve.SocketCarver.CarvedSocket::localText),
            Column.of("remote", STRING, "remote address:port (0.0.0.0:0 if none)", io.chirp.linux.carve.SocketCarver.CarvedSocket::remoteText),
            Column.of("status", STRING, "listed (a descriptor or kernel table leads to it), closed (not listed, state CLOSE:"
                    + " freed or being freed) or hidden (not listed, in a live state)",
                    x -> x.status().name().toLowerCase(Locale.ROOT)),
            Column.of("sock", HEX, "address of the struct sock (in slab memory)", x -> hex(x.sock())));

    /** {@return every Linux table} */
    public static List<TableDef<?>> all() {
        return List.of(PSLIST, PSAUX, PSTREE, PSSCAN, LSMOD, SOCKETS, LSOF, MAPS, MOUNTS, FILES, IFCONFIG, DMESG, CHECK, CHECK_SECTIONS,
                BPF_PROGS, BPF_MAPS, CAPS, SHELL_HISTORY, KTHREADS, SOCKSCAN);
    }

}
