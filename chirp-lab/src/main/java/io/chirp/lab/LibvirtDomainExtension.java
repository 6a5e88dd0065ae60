package io.chirp.lab;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import java.time.Duration;

/** The JUnit 5 side of {@link WithLibvirtDomain}: one daemon and one standard-scenario domain per test run. */
public final class LibvirtDomainExtension implements ParameterResolver, TestExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LibvirtDomainExtension.class);
    private static final String KEY = "libvirt-lab";

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
        return c.getRoot().getStore(NS).getOrComputeIfAbsent(KEY, k -> boot(), Fixture.class).domain();
    }

    @Override
    public void handleTestExecutionException(ExtensionContext c, Throwable t) throws Throwable {
        Fixture f = c.getRoot().getStore(NS).get(KEY, Fixture.class);
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
