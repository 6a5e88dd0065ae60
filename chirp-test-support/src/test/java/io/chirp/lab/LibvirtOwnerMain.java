package io.chirp.lab;

import java.time.Duration;

/**
 * A throw-away owner JVM for {@link LibvirtLabIT}: starts a private libvirtd owned by itself, creates a lab domain,
 * prints its handles and waits to be killed (the test kills it with SIGKILL, as a crashed test run would die).
 */
public final class LibvirtOwnerMain {
    private LibvirtOwnerMain() {}

    public static void main(String[] args) throws Exception {
        LibvirtDaemon d = LibvirtDaemon.start(new LabHome(java.nio.file.Path.of(args[0])), ProcessHandle.current().pid(),
                Duration.ofSeconds(60));
        LabDomain dom = LabDomain.create(d, Lab.Options.defaults().withName("chirp-reap-" + d.id()));
        System.out.println("READY " + d.dir() + " " + d.memoryBackingDir() + " " + d.pid() + " "
                + dom.qemuPid().orElseThrow());
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(10));
    }
}
