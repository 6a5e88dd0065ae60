package io.chirp.net.attribution;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class AttributionTest {
    @Test
    void dualStackAddressesFoldToIpv4AsOnTheWire() throws Exception {
        assertThat(Attribution.address("::ffff:10.0.2.15")).isEqualTo(InetAddress.getByName("10.0.2.15"));
        assertThat(Attribution.address("[::1]")).isEqualTo(InetAddress.getByName("::1"));
        assertThat(Attribution.address("10.0.2.100")).isEqualTo(InetAddress.getByName("10.0.2.100"));
        assertThat(Attribution.address(null)).isNull();
    }
}
