package io.chirp.hypervisor.backend;

/** A listener's registration (lifecycle events): closing it ends the deliveries. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    @Override void close();
}
