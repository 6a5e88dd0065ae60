package io.chirp.cli;

import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.net.LinuxSocket;
import io.chirp.linux.net.Sockets;
import io.chirp.net.attribution.GuestSocket;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The guest's Internet sockets in the form flow attribution joins on, with each owner's command line. */
final class GuestSockets {
    private GuestSockets() {}

    static List<GuestSocket> of(LinuxKernel k) {
        Map<Integer, String> cmdlines = new HashMap<>();
        for (LinuxProcess p : new Processes(k).list(false, true).processes()) cmdlines.put(p.tgid(), p.cmdline());
        List<GuestSocket> out = new ArrayList<>();
        for (LinuxSocket s : new Sockets(k).list().sockets()) {
            if (s.local() == null) continue;
            int proto = s.protocol().startsWith("tcp") ? 6 : s.protocol().startsWith("udp") ? 17 : -1;
            if (proto < 0) continue;
            boolean listening = s.state().equals("LISTEN") || (proto == 17 && s.remotePort() == 0);
            List<GuestSocket.Owner> owners = new ArrayList<>();
            for (LinuxSocket.Owner o : s.owners()) {
                if (owners.stream().noneMatch(x -> x.pid() == o.pid())) {
                    owners.add(new GuestSocket.Owner(o.pid(), o.comm(), cmdlines.get(o.pid())));
                }
            }
            out.add(new GuestSocket(proto, s.local(), s.localPort(), listening ? null : s.remote(), s.remotePort(),
                    listening, owners));
        }
        return out;
    }
}
