package io.chirp.lab;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/** The JUnit 5 side of {@link WithLabGuest}. */
public final class LabGuestExtension implements ParameterResolver, TestExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LabGuestExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == LabGuest.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return guest(c);
    }

    /** Attaches the tail of the guest's serial log to a failing test: the guest's side of the story. */
    @Override
    public void handleTestExecutionException(ExtensionContext c, Throwable t) throws Throwable {
        LabGuest g = existing(c);
        if (g != null) {
            String serial = g.serialText();
            int from = Math.max(0, serial.length() - 4000);
            t.addSuppressed(new AssertionError("serial log of lab guest " + g.name() + " (" + g.serialLog() + "), tail:\n"
                    + serial.substring(from)));
        }
        throw t;
    }

    private static WithLabGuest config(ExtensionContext c) {
        Class<?> k = c.getRequiredTestClass();
        while (k != null) {
            WithLabGuest a = k.getAnnotation(WithLabGuest.class);
            if (a != null) return a;
            k = k.getEnclosingClass();
        }
        throw new IllegalStateException("LabGuest parameter needs @WithLabGuest on the test class");
    }

    /**
     * Store keys: JUnit looks a key up in parent stores too, so a private guest's key must differ from every shared
     * one (and from other classes' private ones), or a class asking for its own guest would get the shared one.
     */
    private static String key(ExtensionContext c, WithLabGuest a) {
        String k = a.scenario() + "|" + a.memory() + "|" + a.kernelArgs() + "|" + a.cpus() + "|" + a.kernel();
        return a.shared() ? "shared|" + k : "private|" + c.getRequiredTestClass().getName() + "|" + k;
    }

    private static ExtensionContext storeOwner(ExtensionContext c, WithLabGuest a) {
        if (a.shared()) return c.getRoot();
        ExtensionContext k = c;
        while (k.getTestMethod().isPresent() && k.getParent().isPresent()) k = k.getParent().get();
        return k;
    }

    private static LabGuest existing(ExtensionContext c) {
        WithLabGuest a;
        try {
            a = config(c);
        } catch (IllegalStateException e) {
            return null;
        }
        return storeOwner(c, a).getStore(NS).get(key(c, a), LabGuest.class);
    }

    private static LabGuest guest(ExtensionContext c) {
        WithLabGuest a = config(c);
        return storeOwner(c, a).getStore(NS).getOrComputeIfAbsent(key(c, a), k -> Lab.fromEnvironment().boot(
                Lab.Options.defaults()
                        .withScenario(Scenario.byName(a.scenario()))
                        .withMemory(Lab.parseSize(a.memory()))
                        .withCpus(a.cpus())
                        .withKernelArgs(a.kernelArgs())
                        .withKernel(a.kernel())), LabGuest.class);
    }
}
