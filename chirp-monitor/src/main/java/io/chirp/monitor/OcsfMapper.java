package io.chirp.monitor;

import io.chirp.events.OcsfEvent;
import io.chirp.events.Severity;
import io.chirp.events.build.Endpoint;
import io.chirp.events.build.EventContext;
import io.chirp.events.build.FileSystemActivity;
import io.chirp.events.build.IntegrityFinding;
import io.chirp.events.build.KernelModule;
import io.chirp.events.build.ModuleActivity;
import io.chirp.events.build.NetworkActivity;
import io.chirp.events.build.ParentInfo;
import io.chirp.events.build.ProcessActivity;
import io.chirp.events.build.ProcessInfo;
import io.chirp.events.build.UserInfo;
import io.chirp.events.build.VmIdentity;
import io.chirp.events.build.VmStateChange;
import io.chirp.monitor.trace.TraceEvent;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Turns what the watchers and tracers see into OCSF events, with the VM as the device. */
public final class OcsfMapper {
    private final String host;
    private final Map<MonitorListener.VmRef, EventContext> contexts = new ConcurrentHashMap<>();

    public OcsfMapper() {
        String h;
        try {
            h = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            h = "localhost";
        }
        this.host = h;
    }

    private EventContext ctx(MonitorListener.VmRef vm) {
        return contexts.computeIfAbsent(vm, v -> EventContext.of(new VmIdentity(host, v.name(), v.uuid(), "QEMU")));
    }

    /** {@return the OCSF events for a change (usually one)} */
    public List<OcsfEvent> map(MonitorListener.VmRef vm, Change change) {
        EventContext c = ctx(vm);
        OcsfEvent e = switch (change) {
            case Change.ProcessStarted s -> ProcessActivity.launch(c, info(s.process(), s.parent()))
                    .unmapped("observed_by", "poll").build();
            case Change.ProcessCaptured s -> ProcessActivity.launch(c, info(s.process(), s.parent()))
                    .unmapped("observed_by", s.how().observedBy()).build();
            case Change.CaptureGap g -> VmStateChange.of(c, "capture_gap")
                    .message(g.newlyLost() + " processes started in the guest and exited before the capture could see them ("
                            + g.lost() + " of " + g.started() + " since it began)")
                    .severity(Severity.LOW).unmapped("capture_started", g.started()).unmapped("capture_recovered", g.recovered())
                    .unmapped("capture_lost", g.lost()).build();
            case Change.FileActivity f -> file(c, f);
            case Change.ProcessExited x -> ProcessActivity.terminate(c, info(x.process(), null))
                    .unmapped("observed_by", "poll").build();
            case Change.CredentialsChanged cc -> ProcessActivity.setUserId(c, info(cc.after(), null), info(cc.before(), null))
                    .severity(Severity.MEDIUM).message("credentials of " + cc.after().pid() + " changed from uid "
                            + cc.before().euid() + " to " + cc.after().euid()).build();
            case Change.ModuleLoaded m -> ModuleActivity.load(c, new KernelModule(m.module().name(), m.module().base(), null))
                    .build();
            case Change.ModuleUnloaded m -> ModuleActivity.unload(c, new KernelModule(m.module().name(), m.module().base(), null))
                    .build();
            case Change.SocketListening l -> owned(NetworkActivity.listen(c, local(l.socket()), proto(l.socket())), l.socket())
                    .build();
            case Change.SocketConnected s -> owned(NetworkActivity.open(c, local(s.socket()), remote(s.socket()),
                    s.inbound() ? NetworkActivity.Direction.INBOUND : NetworkActivity.Direction.OUTBOUND, proto(s.socket())),
                    s.socket()).build();
            case Change.SocketClosed s -> owned(s.socket().remote() == null || s.socket().listening()
                    ? NetworkActivity.close(c, local(s.socket()), null, NetworkActivity.Direction.UNKNOWN, proto(s.socket()))
                    : NetworkActivity.close(c, local(s.socket()), remote(s.socket()), NetworkActivity.Direction.UNKNOWN,
                    proto(s.socket())), s.socket()).build();
            case Change.IntegrityFinding f -> IntegrityFinding.check(c, f.finding().check(), f.finding().summary(),
                    severity(f.finding().severity()), f.finding().evidence(), findingProcess(f.finding())).build();
            case Change.VmState s -> VmStateChange.of(c, s.state())
                    .message(s.detail() == null || s.detail().isEmpty() ? "VM " + s.state() : s.detail()).build();
        };
        return List.of(e);
    }

    /** {@return the OCSF event for a traced kernel event} */
    public OcsfEvent map(MonitorListener.VmRef vm, TraceEvent t) {
        EventContext c = ctx(vm);
        TraceEvent.TaskRef task = t.task();
        ProcessInfo actor = ProcessInfo.of(task.tgid(), task.comm()).withUser(user(task.uid()))
                .withParent(new ParentInfo(task.ppid(), task.parentComm(), null));
        return switch (t) {
            case TraceEvent.Exec x -> {
                String name = x.filename().substring(x.filename().lastIndexOf('/') + 1);
                ProcessInfo p = ProcessInfo.of(task.tgid(), name.isEmpty() ? task.comm() : name)
                        .withCmdLine(String.join(" ", x.argv())).withPath(x.filename()).withUser(user(task.uid()))
                        .withParent(new ParentInfo(task.ppid(), task.parentComm(), null));
                yield ProcessActivity.launch(c, p).time(x.hostTimeMillis()).unmapped("observed_by", "trace:execve")
                        .unmapped("argv_truncated", x.argvTruncated()).build();
            }
            case TraceEvent.Exit x -> ProcessActivity.terminate(c, actor).exitCode((int) (x.code() >> 8))
                    .time(x.hostTimeMillis()).unmapped("observed_by", "trace:do_exit").build();
            case TraceEvent.ModuleLoad m -> ModuleActivity.load(c, new KernelModule(m.module(), 0, null)).actor(actor)
                    .time(m.hostTimeMillis()).unmapped("observed_by", "trace:do_init_module").build();
            // At connect() the local end is not bound yet: the unspecified address stands for it.
            case TraceEvent.Connect n -> NetworkActivity.open(c, new Endpoint(n.family() == 10 ? "::" : "0.0.0.0", 0),
                            new Endpoint(n.address().isEmpty() ? "?" : n.address(), n.port()),
                            NetworkActivity.Direction.OUTBOUND, n.family() == 10 ? "tcp6" : "tcp").process(actor)
                    .time(n.hostTimeMillis()).unmapped("observed_by", "trace:connect").build();
        };
    }

    private static OcsfEvent file(EventContext c, Change.FileActivity f) {
        Snapshot.File x = f.file();
        FileSystemActivity b = switch (f.kind()) {
            case CREATE -> FileSystemActivity.of(c, FileSystemActivity.Activity.CREATE, x.path());
            case UPDATE -> FileSystemActivity.of(c, FileSystemActivity.Activity.UPDATE, x.path());
            case DELETE -> FileSystemActivity.of(c, FileSystemActivity.Activity.DELETE, x.path() == null ? "?" : x.path());
            case RENAME -> FileSystemActivity.rename(c, x.path(), f.newPath());
        };
        b.facts(new FileSystemActivity.Facts(x.inode(), x.uid(), x.size(), millis(x.accessed()), millis(x.modified()),
                millis(x.changed()), x.deleted()));
        if (f.actor() != null) b.actor(info(f.actor(), null));
        return b.unmapped("observed_by", "poll:inode_cache").unmapped("file_system", x.fsType())
                .unmapped("mount_point", x.mount()).build();
    }

    private static Long millis(Double seconds) { return seconds == null ? null : Math.round(seconds * 1000); }

    private static ProcessInfo info(Snapshot.Proc p, Snapshot.Proc parent) {
        ProcessInfo i = ProcessInfo.of(p.pid(), p.comm()).withUser(user(p.euid()));
        if (p.cmdline() != null) i = i.withCmdLine(p.cmdline());
        if (p.exe() != null) i = i.withPath(p.exe());
        if (parent != null) i = i.withParent(new ParentInfo(parent.pid(), parent.comm(), parent.cmdline()));
        else if (p.ppid() >= 0) i = i.withParent(new ParentInfo(p.ppid(), null, null));
        return i;
    }

    /** uid 0 is root on every Linux; other names would need the guest's passwd file, so they stay unnamed. */
    private static UserInfo user(int uid) {
        return uid < 0 ? null : UserInfo.linux(uid, uid == 0 ? "root" : null);
    }

    private static NetworkActivity owned(NetworkActivity a, Snapshot.Socket s) {
        if (!s.pids().isEmpty()) a.process(ProcessInfo.of(s.pids().getFirst(), s.comms().getFirst()));
        return a.unmapped("socket_inode", s.inode());
    }

    private static Endpoint local(Snapshot.Socket s) { return new Endpoint(s.local(), s.localPort()); }

    private static Endpoint remote(Snapshot.Socket s) { return new Endpoint(s.remote(), s.remotePort()); }

    private static String proto(Snapshot.Socket s) { return s.protocol().startsWith("udp") ? "udp" : "tcp"; }

    private static Severity severity(String s) {
        return switch (s) {
            case "CRITICAL" -> Severity.CRITICAL;
            case "WARNING" -> Severity.MEDIUM;
            default -> Severity.INFORMATIONAL;
        };
    }

    private static ProcessInfo findingProcess(Snapshot.Finding f) {
        String pid = f.evidence().get("pid");
        if (pid == null) return null;
        try {
            return ProcessInfo.of(Integer.parseInt(pid), f.evidence().getOrDefault("comm", "?"));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
