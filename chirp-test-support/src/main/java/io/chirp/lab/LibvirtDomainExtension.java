package io.chirp.lab;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import java.time.Duration;

/**
 * The JUnit 5 side of {@link WithLibvirtDomain}: one daemon and one standard-scenario domain per test JVM.
 * Not kept in JUnit's root store: under failsafe that store is closed after each class, and a boot under TCG costs
 * most of a minute. A shutdown hook stops both when the JVM exits; if it is killed, the daemon's reaper does.
 */
public final class LibvirtDomainExtension implements ParameterResolver, TestExecutionExceptionHandler {
    private static Fixture fixture;
    private static RuntimeException bootFailure;

    /** The daemon and its domain, closed together (domain first) when the run ends. */
    record Fixture(LibvirtDaemon daemon, LabDomain domain) implements AutoCloseable {
        @Override
        public void close() {
            try {
                domain.close();
            } finally {
                daemon.close();
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == LabDomain.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return fixture().domain();
    }

    /** Boots once; a failed boot fails every later test with the same error instead of booting again. */
    private static synchronized Fixture fixture() {
        if (bootFailure != null) throw bootFailure;
        if (fixture == null) {
            try {
                fixture = boot();
            } catch (RuntimeException e) {
                bootFailure = e;
                throw e;
            }
            Fixture f = fixture;
            Runtime.getRuntime().addShutdownHook(new Thread(f::close, "libvirt-lab-shutdown"));
        }
        return fixture;
    }

    @Override
    public void handleTestExecutionException(ExtensionContext c, Throwable t) throws Throwable {
        Fixture f;
        synchronized (LibvirtDomainExtension.class) {
            f = fixture;
        }
        if (f != null) {
            String serial = f.domain().serialText();
            t.addSuppressed(new AssertionError("serial log of libvirt lab domain " + f.domain().name() + ", tail:\n"
                    + serial.substring(Math.max(0, serial.length() - 4000)) + "\nlibvirtd log tail:\n"
                    + f.daemon().logTail()));
        }
        throw t;
    }

    private static Fixture boot() {
        LibvirtDaemon d = LibvirtDaemon.start(LabHome.fromEnvironment(), ProcessHandle.current().pid(),
                Duration.ofSeconds(60));
        try {
            return new Fixture(d, LabDomain.boot(d, Lab.Options.defaults()));
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }
}
