package io.chirp.lab;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The console answer parser, on serial text as QEMU logs it (including its occasional repeated byte). */
class LabGuestConsoleTest {
    private static final String TYPED = "printf '%s-%s\\n' CHIRPOUT 7001\necho hi\nprintf '%s-%s\\n' CHIRPEND 7001\n";

    @Test
    void findsTheAnswerBetweenTheMarkers() {
        String log = "boot noise\r\nCHIRPOUT-7001\r\nhi\r\nCHIRPEND-7001\r\n";
        assertThat(LabGuest.between(log, "CHIRPOUT-7001", "CHIRPEND-7001", TYPED)).isEqualTo("hi");
    }

    @Test
    void aDoubledByteInAMarkerDoesNotHideTheAnswer() {
        String log = "CHIRPOUT-7001\r\n1\r\n2\r\nCHIRPPEND-7001\r\n";
        assertThat(LabGuest.between(log, "CHIRPOUT-7001", "CHIRPEND-7001", TYPED)).isEqualTo("1\n2");
        String log2 = "CCHIRPOUT-70001\r\nx\r\nCHIRPEND-7001\r\n";
        assertThat(LabGuest.between(log2, "CHIRPOUT-7001", "CHIRPEND-7001", TYPED)).isEqualTo("x");
    }

    @Test
    void waitsForTheEndMarker() {
        assertThat(LabGuest.between("CHIRPOUT-7001\r\nhi\r\nCHIRPEN", "CHIRPOUT-7001", "CHIRPEND-7001", TYPED)).isNull();
        assertThat(LabGuest.between("hi\r\nCHIRPEND-7001\r\n", "CHIRPOUT-7001", "CHIRPEND-7001", TYPED)).isNull();
    }

    @Test
    void dropsTheEchoOfTypedLinesAndKeepsOutputWithoutNewline() {
        String log = "CHIRPOUT-7001\r\necho hi\r\nhi\r\nlastCHIRPEND-7001\r\n";
        assertThat(LabGuest.between(log, "CHIRPOUT-7001", "CHIRPEND-7001", TYPED)).isEqualTo("hi\nlast");
    }

    @Test
    void anotherCommandsMarkersDoNotCount() {
        String log = "CHIRPOUT-7001\r\nhi\r\nCHIRPEND-7002\r\n";
        assertThat(LabGuest.between(log, "CHIRPOUT-7001", "CHIRPEND-7001", TYPED)).isNull();
    }
}
