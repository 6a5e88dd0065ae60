package io.chirp.server;

import io.chirp.tables.GuestJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fans the monitor's events, alerts and job progress out to the live-stream subscribers. Publishing never
 * blocks: each subscriber has a bounded queue, and when it is full the message is counted as missed for that
 * subscriber alone. The subscriber's stream then says how many it missed ({@code event: missed}) before the next
 * message; one that falls {@value #DROP_AFTER} messages behind is disconnected. The monitor never waits for a
 * slow client.
 */
public final class EventHub {
    /** Messages a subscriber may have queued. */
    public static final int QUEUE = 1024;
    /** Missed messages after which a subscriber is disconnected. */
    public static final int DROP_AFTER = 10_000;

    /** Kinds of message on the stream (the SSE {@code event:} field). */
    public enum Topic { event, alert, job }

    private static final ObjectMapper JSON = GuestJson.mapper();
    private final Set<Subscription> subscribers = new CopyOnWriteArraySet<>();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong published = new AtomicLong();

    /** One SSE message, already encoded. */
    public record Message(long id, Topic topic, String data) {
        /** {@return the message in SSE wire format} */
        public String wire() { return "id: " + id + "\nevent: " + topic + "\ndata: " + data + "\n\n"; }
    }

    /** A subscriber's queue and what it lost. */
    public final class Subscription implements AutoCloseable {
        private final BlockingQueue<Message> queue;
        private final Set<Topic> topics;
        private final String vm;
        private final AtomicLong missed = new AtomicLong();
        private volatile boolean closed;

        Subscription(Set<Topic> topics, String vm, int capacity) {
            this.topics = Set.copyOf(topics);
            this.vm = vm;
            this.queue = new ArrayBlockingQueue<>(capacity);
        }

        void offer(Message m, String messageVm) {
            if (closed || !topics.contains(m.topic())) return;
            if (vm != null && messageVm != null && !vm.equals(messageVm)) return;
            if (!queue.offer(m) && missed.incrementAndGet() >= DROP_AFTER) close();
        }

        /** {@return the next message, or null after {@code wait} without one} */
        public Message next(Duration wait) throws InterruptedException {
            return queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** {@return how many messages were missed since the last call, resetting the count} */
        public long takeMissed() { return missed.getAndSet(0); }

        public boolean closed() { return closed; }

        @Override public void close() {
            closed = true;
            subscribers.remove(this);
        }
    }

    /** {@return a new subscription to {@code topics}, for one VM or (null) all} */
    public Subscription subscribe(Set<Topic> topics, String vm) { return subscribe(topics, vm, QUEUE); }

    Subscription subscribe(Set<Topic> topics, String vm, int capacity) {
        Subscription s = new Subscription(topics, vm, capacity);
        subscribers.add(s);
        return s;
    }

    /** Sends {@code body} (encoded as JSON here, once) to every subscriber of {@code topic}; never blocks. */
    public void publish(Topic topic, String vm, Object body) {
        if (subscribers.isEmpty()) return;
        String data;
        try {
            data = JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a stream message", e);
        }
        Message m = new Message(sequence.incrementAndGet(), topic, data);
        published.incrementAndGet();
        for (Subscription s : subscribers) s.offer(m, vm);
    }

    /** {@return the current number of subscribers} */
    public int subscribers() { return subscribers.size(); }

    /** Disconnects everyone (the server is stopping). */
    public void closeAll() { subscribers.forEach(Subscription::close); }
}
