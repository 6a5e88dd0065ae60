package io.chirp.core;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class IpTextTest {

    @Test
    void ipv4IsDotted() throws Exception {
        assertThat(IpText.of(InetAddress.getByName("10.0.2.15").getAddress())).isEqualTo("10.0.2.15");
        assertThat(IpText.of(new byte[4])).isEqualTo("0.0.0.0");
    }

    @Test
    void ipv6FollowsRfc5952() throws Exception {
        assertThat(v6("::")).isEqualTo("::");
        assertThat(v6("::1")).isEqualTo("::1");
        assertThat(v6("2001:db8:0:0:0:0:2:1")).isEqualTo("2001:db8::2:1");
        // A single zero word is not shortened; of two equal runs the first becomes "::".
        assertThat(v6("2001:db8:0:1:1:1:1:1")).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(v6("2001:0:0:1:0:0:0:1")).isEqualTo("2001:0:0:1::1");
        assertThat(v6("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
        assertThat(v6("fe80:0:0:0:0:0:0:0")).isEqualTo("fe80::");
    }

    @Test
    void v4MappedKeepsTheDottedTail() {
        byte[] b = new byte[16];
        b[10] = b[11] = (byte) 0xff;
        b[12] = 10; b[15] = 1;
        assertThat(IpText.of(b)).isEqualTo("::ffff:10.0.0.1");
    }

    private static String v6(String literal) throws Exception {
        byte[] b = InetAddress.getByName(literal).getAddress();
        assertThat(b).hasSize(16);
        return IpText.of(b);
    }
}
