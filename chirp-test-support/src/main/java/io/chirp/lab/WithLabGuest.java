package io.chirp.lab;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Boots a real lab guest for a test class and hands it to tests as a {@link LabGuest} parameter. Guests with the
 * same settings are shared by all classes of the run unless {@link #shared()} is false; either way they are torn
 * down at the end, and a guest that does not boot fails the test with its serial log.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(LabGuestExtension.class)
public @interface WithLabGuest {
    /** {@return the scenario name, see {@link Scenario#byName}} */
    String scenario() default "standard";

    /** {@return the RAM size, e.g. 512M or 4G} */
    String memory() default "512M";

    /** {@return extra kernel command-line arguments} */
    String kernelArgs() default "";

    /**
     * {@return the Debian kernel package the guest boots, e.g. {@code linux-image-6.12-cloud-amd64}; by default
     * {@link GuestImageBuilder#DEFAULT_KERNEL}. Each kernel costs one .deb download and image build (cached).}
     */
    String kernel() default GuestImageBuilder.DEFAULT_KERNEL;

    /** {@return number of vCPUs} */
    int cpus() default 1;

    /** {@return false to give this class a guest of its own (for tests that change the guest)} */
    boolean shared() default true;
}
