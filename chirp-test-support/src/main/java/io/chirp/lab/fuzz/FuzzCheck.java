package io.chirp.lab.fuzz;

import io.chirp.core.ChirpException;

import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * The properties every fuzz target asserts on one input, beyond "it did not crash":
 * <ul>
 * <li>only {@link ChirpException} escapes a parser, with a message and not of kind INTERNAL; anything else
 *     (IndexOutOfBounds, NegativeArraySize, NumberFormat, ...) is a bug in the parser, and Errors (OutOfMemory,
 *     StackOverflow) propagate as they are, which fails the test too;</li>
 * <li>bounded time: the input is handled within {@link #TIME} (generous, the build machine is shared);</li>
 * <li>bounded memory: the thread allocates at most {@link #BASE_ALLOCATION} plus {@link #PER_INPUT_BYTE} bytes per
 *     input byte, so an allocation sized by an unchecked length from the input fails even when the heap is big
 *     enough to satisfy it.</li>
 * </ul>
 * Targets add their own result properties (complete and consistent, or marked partial with a reason).
 */
public final class FuzzCheck {
    /** Wall-clock budget for one input. */
    public static final Duration TIME = Duration.ofMillis(Long.getLong("chirp.fuzz.maxMillis", 3_000));
    /** Allocation allowed whatever the input (parser setup: buffers, mappers). */
    public static final long BASE_ALLOCATION = Long.getLong("chirp.fuzz.baseAllocation", 64L << 20);
    /** Allocation allowed per byte of input (copies, decoded structures). */
    public static final long PER_INPUT_BYTE = 64;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** What the parser made of an input. */
    public enum Outcome {
        /** Parsed (possibly as a partial result the target checked). */
        ACCEPTED,
        /** Refused with a ChirpException. */
        REJECTED
    }

    /** A target's work on one input. */
    @FunctionalInterface
    public interface Target {
        void run() throws Exception;
    }

    private FuzzCheck() { }

    /** {@return the first bytes of an input, printable, for failure messages} */
    public static String preview(byte[] input) {
        StringBuilder sb = new StringBuilder().append(input.length).append(" bytes '");
        for (int i = 0; i < Math.min(input.length, 48); i++) {
            int b = input[i] & 0xff;
            if (b >= 0x20 && b < 0x7f && b != '\\') sb.append((char) b);
            else sb.append(String.format("\\x%02x", b));
        }
        return sb.append(input.length > 48 ? "...'" : "'").toString();
    }

    /** {@return the outcome of {@code target} on {@code input}, asserting the properties} */
    public static Outcome check(String target, byte[] input, Target work) {
        return check(target + " on " + preview(input), BASE_ALLOCATION + PER_INPUT_BYTE * input.length, work);
    }

    /**
     * {@return the outcome, with an explicit allocation cap in bytes} An input over its time or allocation budget is
     * run a second time and fails only if it is over again: the first input to reach a code path pays for loading
     * its classes (and, when fuzzing, for Jazzer instrumenting them), which is not the parser's doing.
     */
    public static Outcome check(String what, long maxAllocation, Target target) {
        try {
            return measured(what, maxAllocation, target);
        } catch (OverBudget first) {
            try {
                return measured(what, maxAllocation, target);
            } catch (OverBudget again) {
                throw new AssertionError(again.getMessage());
            }
        }
    }

    /** Over the time or allocation budget (retried once before it fails the input). */
    private static final class OverBudget extends RuntimeException {
        OverBudget(String message) { super(message, null, false, false); }
    }

    private static Outcome measured(String what, long maxAllocation, Target target) {
        long thread = Thread.currentThread().threadId();
        long a0 = THREADS.getThreadAllocatedBytes(thread);
        long t0 = System.nanoTime();
        Outcome outcome;
        try {
            target.run();
            outcome = Outcome.ACCEPTED;
        } catch (ChirpException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError(what + ": ChirpException without a message", e);
            }
            if (e.kind() == ChirpException.Kind.INTERNAL) {
                throw new AssertionError(what + ": hostile input gave an INTERNAL error (a bug): " + e.getMessage(), e);
            }
            outcome = Outcome.REJECTED;
        } catch (AssertionError e) {
            throw e;   // the target's own property failed
        } catch (Exception e) {
            throw new AssertionError(what + ": only ChirpException may escape a parser, got " + e, e);
        }
        long took = System.nanoTime() - t0;
        long allocated = THREADS.getThreadAllocatedBytes(thread) - a0;
        if (took > TIME.toNanos()) {
            throw new OverBudget(what + ": took " + took / 1_000_000 + " ms, budget " + TIME.toMillis() + " ms");
        }
        if (a0 >= 0 && allocated > maxAllocation) {
            throw new OverBudget(what + ": allocated " + allocated + " bytes, cap " + maxAllocation);
        }
        return outcome;
    }
}
