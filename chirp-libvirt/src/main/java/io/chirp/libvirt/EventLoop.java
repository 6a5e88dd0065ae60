package io.chirp.libvirt;

import io.chirp.core.ChirpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libvirt's default event loop, run on one platform thread for the whole process. libvirt delivers domain events
 * (and keepalives) only while some thread runs {@code virEventRunDefaultImpl}, and only on connections opened after
 * {@code virEventRegisterDefaultImpl}: so {@link LibvirtConnection#open} starts the loop before its first connection.
 *
 * <p>Callbacks run on this thread: they must be quick and must never throw into native code (an exception escaping
 * an upcall kills the JVM), so {@link LibvirtConnection} catches everything and hands events on.
 */
final class EventLoop {
    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
    private static Thread thread;

    private EventLoop() {}

    static synchronized void ensureRunning() {
        if (thread != null) return;
        Native.requireLoaded();
        int rc;
        try {
            rc = (int) Native.EVENT_REGISTER_DEFAULT_IMPL.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc < 0) throw ChirpException.unavailable("libvirt event loop: " + Native.lastError());
        thread = Thread.ofPlatform().daemon().name("libvirt-event-loop").start(EventLoop::run);
    }

    private static void run() {
        int failures = 0;
        while (true) {
            int rc;
            try {
                rc = (int) Native.EVENT_RUN_DEFAULT_IMPL.invokeExact();
            } catch (Throwable t) {
                log.error("libvirt event loop stopped", t);
                return;
            }
            if (rc < 0) {
                // A failing iteration is retried slowly rather than spun; it has never been seen in practice.
                if (failures++ % 100 == 0) log.warn("libvirt event loop iteration failed: {}", Native.lastError());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
