package io.chirp.lab;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kernel a user asks for goes to apt-get as an argument: only Debian kernel package names get through. */
class KernelPackageNameTest {

    @Test
    void debianKernelPackagesAreAccepted() {
        for (String k : new String[]{"linux-image-amd64", "linux-image-6.12-cloud-amd64", "linux-image-rt-amd64",
                "linux-image-6.12.117+deb12-amd64", "linux-image-6.1.0-57-cloud-amd64"}) {
            assertThat(GuestImageBuilder.checkedKernel(k)).isEqualTo(k);
            assertThat(Lab.Options.defaults().withKernel(k).kernel()).isEqualTo(k);
        }
        assertThat(Lab.Options.defaults().kernel()).isEqualTo(GuestImageBuilder.DEFAULT_KERNEL);
    }

    @Test
    void anythingElseIsAUsageError() {
        for (String k : new String[]{"", "busybox", "-o=APT::Get::Foo", "linux-image-amd64 --reinstall",
                "linux-image-amd64;reboot", "linux-image-../../x", "linux-image-AMD64", "linux-image-" + "a".repeat(100)}) {
            assertThatThrownBy(() -> GuestImageBuilder.checkedKernel(k)).as(k).isInstanceOf(ChirpException.class)
                    .satisfies(e -> assertThat(((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.USAGE));
        }
        assertThatThrownBy(() -> GuestImageBuilder.checkedKernel(null)).isInstanceOf(ChirpException.class);
    }
}
