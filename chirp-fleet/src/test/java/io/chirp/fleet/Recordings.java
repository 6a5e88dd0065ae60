package io.chirp.fleet;

import io.chirp.events.OcsfEvent;
import io.chirp.monitor.Change;
import io.chirp.monitor.MonitorListener;
import io.chirp.monitor.OcsfMapper;
import io.chirp.monitor.Snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A recorded event stream for replays, made by the monitor's own OCSF mapper from the changes a guest goes through
 * in a day of work with one attack in it: shells and daemons start and stop, a listener opens, and a binary runs
 * from /tmp and a module loads (both alert with CHIRP's shipped rules).
 */
public final class Recordings {
    private Recordings() {}

    public static Path write(Path file) throws IOException {
        OcsfMapper m = new OcsfMapper();
        MonitorListener.VmRef vm = new MonitorListener.VmRef("recorded", null, 0);
        Snapshot.Proc init = new Snapshot.Proc(1, 0, "init", "/sbin/init", "/sbin/init", 0, 0, 1.0, false);
        List<Change> day = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Snapshot.Proc p = new Snapshot.Proc(100 + i, 1, "cron", "/usr/sbin/cron -f", "/usr/sbin/cron", 0, 0, 10.0 + i, false);
            day.add(new Change.ProcessStarted(p, init));
            day.add(new Change.ProcessExited(p));
        }
        Snapshot.Proc sh = new Snapshot.Proc(200, 1, "sh", "/bin/sh -c backup", "/bin/sh", 1000, 1000, 40.0, false);
        day.add(new Change.ProcessStarted(sh, init));
        day.add(new Change.SocketListening(new Snapshot.Socket("tcp", "LISTEN", "0.0.0.0", 8080, null, 0, 4242, List.of(200),
                List.of("sh"))));
        Snapshot.Proc dropper = new Snapshot.Proc(201, 200, "x", "/tmp/x --connect", "/tmp/x", 1000, 1000, 41.0, false);
        day.add(new Change.ProcessStarted(dropper, sh));
        day.add(new Change.ModuleLoaded(new Snapshot.Module("diamorphine", 0xffffffffc0a00000L, 16384)));
        day.add(new Change.ProcessExited(sh));
        List<String> lines = new ArrayList<>();
        for (Change c : day) for (OcsfEvent e : m.map(vm, c)) lines.add(e.toJsonLine());
        Files.write(file, lines);
        return file;
    }

    /** {@return the events in the recording} */
    public static int size(Path file) throws IOException { return (int) Files.readAllLines(file).stream().filter(l -> !l.isBlank()).count(); }

}
