package io.chirp.lab;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Starts a private libvirtd and boots a lab guest in it as a transient domain, handed to tests as a
 * {@link LabDomain} parameter. One daemon and domain serve every class of the test JVM (torn down when it exits);
 * a domain that does not boot fails the test with its serial log and libvirtd's log.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(LibvirtDomainExtension.class)
public @interface WithLibvirtDomain {
}
