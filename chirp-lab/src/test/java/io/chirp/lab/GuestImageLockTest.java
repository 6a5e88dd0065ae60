package io.chirp.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lab image lock: threads of one JVM read one built image at the same time (a JVM-wide {@code FileLock} used to
 * throw {@code OverlappingFileLockException} at the second thread), a build excludes its readers, and images do not
 * wait for each other.
 */
class GuestImageLockTest {

    @Test
    void twoThreadsReadOneImageAtOnce(@TempDir Path lab) throws Exception {
        Path image = lab.resolve("0123456789abcdef");
        CyclicBarrier bothInside = new CyclicBarrier(2);
        Runnable reader = () -> {
            try {
                GuestImageBuilder.withImageLock(image, true, () -> {
                    try {
                        bothInside.await(20, TimeUnit.SECONDS); // only if the other reader is inside too
                    } catch (Exception e) {
                        throw new AssertionError("the readers did not hold the lock together", e);
                    }
                    return null;
                });
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        Thread a = Thread.ofPlatform().start(reader);
        AtomicBoolean failed = new AtomicBoolean();
        Thread b = Thread.ofPlatform().uncaughtExceptionHandler((t, e) -> failed.set(true)).start(reader);
        a.join(30_000);
        b.join(30_000);
        assertThat(failed).isFalse();
        assertThat(bothInside.isBroken()).isFalse();
        assertThat(lab.resolve("0123456789abcdef.lock")).exists();
    }

    @Test
    void aBuildExcludesReadersAndOtherImagesDoNotWait(@TempDir Path lab) throws Exception {
        Path image = lab.resolve("aaaaaaaaaaaaaaaa"), other = lab.resolve("bbbbbbbbbbbbbbbb");
        CountDownLatch building = new CountDownLatch(1), finish = new CountDownLatch(1);
        Thread builder = Thread.ofPlatform().start(() -> {
            try {
                GuestImageBuilder.withImageLock(image, false, () -> {
                    building.countDown();
                    try {
                        finish.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(building.await(20, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean read = new AtomicBoolean();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                GuestImageBuilder.withImageLock(image, true, () -> {
                    read.set(true);
                    return null;
                });
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // another image is read and built meanwhile, without waiting for the first one's build
        assertThat(GuestImageBuilder.withImageLock(other, true, () -> "read")).isEqualTo("read");
        assertThat(GuestImageBuilder.withImageLock(other, false, () -> "built")).isEqualTo("built");
        reader.join(500);
        assertThat(read).as("no reader while the image is being built").isFalse();
        finish.countDown();
        builder.join(30_000);
        reader.join(30_000);
        assertThat(read).as("the reader got in once the build was done").isTrue();
    }
}
