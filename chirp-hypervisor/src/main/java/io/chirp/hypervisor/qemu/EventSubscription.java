package io.chirp.hypervisor.qemu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One listener's share of a QMP connection's events: a bounded queue filled by the connection's reader thread and
 * drained by the listener's own virtual thread. The reader never waits for a listener: when the queue is full the
 * oldest queued event is dropped (the newest says most about the VM's state now), counted, and logged, so a slow
 * or stuck listener costs only itself.
 */
final class EventSubscription implements QmpClient.Subscription {
    private static final Logger log = LoggerFactory.getLogger(EventSubscription.class);

    private final String name;
    private final Consumer<QmpClient.Event> consumer;
    private final BlockingQueue<QmpClient.Event> queue;
    private final Thread thread;
    private final Runnable onClose;
    private long offered;   // guarded by this
    private long done;      // guarded by this: delivered or dropped
    private long dropped;   // guarded by this
    private volatile boolean closed;

    EventSubscription(String name, int capacity, Consumer<QmpClient.Event> consumer, Runnable onClose) {
        this.name = name;
        this.consumer = consumer;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, capacity));
        this.onClose = onClose;
        this.thread = consumer == null ? null : Thread.ofVirtual().name("qmp-events " + name).start(this::run);
    }

    /** Called on the reader thread: never blocks. */
    void offer(QmpClient.Event e) {
        long lost = 0;
        synchronized (this) {
            if (closed) return;
            offered++;
            while (!queue.offer(e)) {
                if (queue.poll() != null) {
                    dropped++;
                    done++;
                    lost = dropped;
                }
            }
        }
        if (consumer != null && (lost == 1 || lost % 1000 == 0 && lost > 0)) {
            log.warn("QMP event listener '{}' is slow: {} event(s) dropped so far (its queue holds {})", name, lost,
                    queue.remainingCapacity() + queue.size());
        }
    }

    private void run() {
        while (!closed) {
            QmpClient.Event e;
            try {
                e = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                return;
            }
            if (e == null) continue;
            try {
                consumer.accept(e);
            } catch (RuntimeException ex) {
                log.debug("QMP event listener '{}' failed on {}: {}", name, e.name(), ex.toString());
            }
            synchronized (this) {
                done++;
                notifyAll();
            }
        }
    }

    /**
     * Waits until every event offered so far has been delivered (or dropped), at most {@code max}: after a command's
     * reply the caller's own listeners have seen every event QEMU sent before it, as they did when listeners ran on
     * the reader thread. A listener calling QMP from its own thread does not wait for itself.
     */
    void awaitDelivered(Duration max) {
        if (thread == null || Thread.currentThread() == thread) return;
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (this) {
            long target = offered;
            while (done < target && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return;
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** For a queue without a listener thread: the next event within the timeout, or null. */
    QmpClient.Event poll(long nanos) throws InterruptedException {
        return queue.poll(nanos, TimeUnit.NANOSECONDS);
    }

    void clear() { queue.clear(); }

    @Override public String name() { return name; }

    @Override public synchronized long dropped() { return dropped; }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
            notifyAll();
        }
        if (thread != null) thread.interrupt();
        onClose.run();
    }
}
