package io.packetfs.codec.reliability;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link PacketFsRttEstimator}: RFC 6298's arithmetic. */
class PacketFsRttEstimatorTest {

    @Test
    void firstSampleSetsMeanAndHalfDeviation() {
        PacketFsRttEstimator e = new PacketFsRttEstimator();
        assertFalse(e.measured());
        assertEquals(-1, e.smoothed());
        assertEquals(7, e.timeout(4, 0, 1, 100, 7));
        e.sample(1000);
        assertTrue(e.measured());
        assertEquals(1000, e.smoothed());
        assertEquals(500, e.deviation());
        assertEquals(3000, e.timeout(4, 0, 1, 1_000_000, 7));
    }

    @Test
    void laterSamplesMoveByAnEighthAndAQuarter() {
        PacketFsRttEstimator e = new PacketFsRttEstimator();
        e.sample(1000);
        e.sample(2000);
        assertEquals((3 * 500 + 1000) / 4, e.deviation());
        assertEquals((7 * 1000 + 2000) / 8, e.smoothed());
        assertEquals(1000, e.min());
    }

    @Test
    void timeoutStaysWithinItsBoundsAndFloor() {
        PacketFsRttEstimator e = new PacketFsRttEstimator();
        for (int i = 0; i < 100; i++) {
            e.sample(1000); // deviation decays to 0
        }
        assertEquals(1000 + 50, e.timeout(4, 50, 1, 1_000_000, 0));
        assertEquals(5000, e.timeout(4, 50, 5000, 1_000_000, 0));
        assertEquals(900, e.timeout(4, 50, 1, 900, 0));
    }

    @Test
    void negativeSamplesAreIgnored() {
        PacketFsRttEstimator e = new PacketFsRttEstimator();
        e.sample(-5);
        assertFalse(e.measured());
    }
}
