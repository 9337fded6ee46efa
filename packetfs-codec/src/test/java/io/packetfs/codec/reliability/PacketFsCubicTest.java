package io.packetfs.codec.reliability;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PacketFsCubic} on a clock of plain numbers: slow start, the response to loss, growth along the cubic curve,
 * timeouts, HyStart++'s delay exit and the pacing rate.
 */
class PacketFsCubicTest {

    private static final int MSS = 1500;
    private static final long MS = 1_000_000L;

    /** Acknowledges {@code cwnd} worth of bytes in frame-sized steps over one round trip of {@code rtt}. */
    private static long oneRound(PacketFsCubic cc, long now, long rtt) {
        long window = cc.congestionWindow();
        int acks = (int) Math.max(1, window / MSS);
        for (int i = 0; i < acks; i++) {
            now += rtt / acks;
            cc.onAck(now, MSS, rtt, rtt, now - rtt, true);
        }
        return now;
    }

    @Test
    void startsWithTenFramesAndDoublesEveryRoundInSlowStart() {
        PacketFsCubic cc = new PacketFsCubic(MSS);
        assertEquals(10L * MSS, cc.congestionWindow());
        assertTrue(cc.inSlowStart());
        long now = oneRound(cc, 0, MS);
        assertEquals(20L * MSS, cc.congestionWindow());
        oneRound(cc, now, MS);
        assertEquals(40L * MSS, cc.congestionWindow());
    }

    @Test
    void anApplicationLimitedSenderDoesNotGrowItsWindow() {
        PacketFsCubic cc = new PacketFsCubic(MSS);
        for (int i = 0; i < 100; i++) {
            cc.onAck(i * MS, MSS, MS, MS, i * MS - MS, false);
        }
        assertEquals(10L * MSS, cc.congestionWindow());
    }

    @Test
    void aLossCutsTheWindowToSevenTenthsOncePerRoundTrip() {
        PacketFsCubic cc = new PacketFsCubic(MSS);
        long now = 0;
        for (int r = 0; r < 4; r++) {
            now = oneRound(cc, now, MS); // 160 frames
        }
        long before = cc.congestionWindow();
        cc.onLoss(now, now - MS / 2);
        assertEquals((long) (before * 0.7), cc.congestionWindow(), 1);
        assertFalse(cc.inSlowStart());
        assertEquals(1, cc.congestionEvents());
        long after = cc.congestionWindow();
        // more losses of frames sent before the event: the same event
        cc.onLoss(now + 10, now - MS / 4);
        cc.onLoss(now + 20, now - 1);
        assertEquals(after, cc.congestionWindow());
        assertEquals(1, cc.congestionEvents());
        // acknowledgements of frames sent before the event: no growth (recovery)
        cc.onAck(now + MS / 2, 10 * MSS, MS, MS, now - 5, true);
        assertEquals(after, cc.congestionWindow());
        // a loss of a frame sent after the event: a new one
        cc.onLoss(now + 2 * MS, now + MS);
        assertEquals((long) (after * 0.7), cc.congestionWindow(), 1);
        assertEquals(2, cc.congestionEvents());
    }

    @Test
    void theWindowGrowsBackAlongTheCubicCurveAndPastTheOldMaximum() {
        PacketFsCubic cc = new PacketFsCubic(MSS);
        // a long, wide path (100 ms, 5,120 frames), where the cubic curve and not the Reno-friendly line leads
        long rtt = 100 * MS;
        long now = 0;
        for (int r = 0; r < 9; r++) {
            now = oneRound(cc, now, rtt);
        }
        long wMax = cc.congestionWindow();
        cc.onLoss(now, now - 1);
        long reduced = cc.congestionWindow();
        // K = cbrt(wMax * 0.3 / 0.4) seconds, in frames: cbrt(5120 * 0.75) = 15.7 s
        double k = Math.cbrt((wMax / (double) MSS) * (1 - PacketFsCubic.BETA) / PacketFsCubic.C);
        long growth = reduced;
        long concaveEnd = 0;
        long sent = now + 1;
        long end = now + (long) (k * 1e9);
        while (now < end) {
            now = oneRound(cc, now, rtt);
            cc.onAck(now, 0, rtt, rtt, sent, true); // leaves recovery
            assertThat(cc.congestionWindow()).isGreaterThanOrEqualTo(growth);
            growth = cc.congestionWindow();
            concaveEnd = growth;
        }
        // at K the window is back near the old maximum, and it has not overshot it by much
        assertThat(concaveEnd).isBetween((long) (0.9 * wMax), (long) (1.1 * wMax));
        for (int r = 0; r < 100; r++) {
            now = oneRound(cc, now, rtt);
        }
        // 10 s past K the curve is 0.4 x 10^3 = 400 frames above the old maximum: probing beyond it (convex)
        assertThat(cc.congestionWindow()).isGreaterThan(wMax + 300L * MSS);
    }

    @Test
    void aTimeoutRestartsSlowStartFromTwoFrames() {
        PacketFsCubic cc = new PacketFsCubic(MSS);
        long now = oneRound(cc, 0, MS);
        now = oneRound(cc, now, MS);
        long before = cc.congestionWindow();
        cc.onRetransmitTimeout(now);
        assertEquals(2L * MSS, cc.congestionWindow());
        assertTrue(cc.inSlowStart());
        assertEquals((long) (before * 0.7), cc.slowStartThreshold(), 1);
    }

    @Test
    void slowStartEndsWhenTheRoundTripGrows() {
        PacketFsCubic cc = new PacketFsCubic(MSS);
        long now = 0;
        long rtt = 2 * MS;
        // rounds at a steady round trip: slow start goes on
        for (int r = 0; r < 3; r++) {
            now = oneRound(cc, now, rtt);
        }
        assertTrue(cc.inSlowStart());
        // a queue builds: every sample of the next rounds is 6 ms longer (more than 4 ms, the smallest threshold)
        for (int r = 0; r < 3 && cc.inSlowStart(); r++) {
            now = oneRound(cc, now, rtt + 6 * MS);
        }
        assertFalse(cc.inSlowStart());
        assertEquals(1, cc.slowStartExitsByDelay());
        assertEquals(0, cc.congestionEvents()); // no loss was needed
    }

    @Test
    void pacingRateIsTheWindowOverTheRoundTripWithAGain() {
        PacketFsCubic cc = new PacketFsCubic(MSS);
        // slow start: twice the window per round trip
        assertEquals((long) (2.0 * 10 * MSS * 1e9 / (2 * MS)), cc.pacingRate(2 * MS));
        cc.onLoss(0, -1);
        assertEquals((long) (1.25 * cc.congestionWindow() * 1e9 / (2 * MS)), cc.pacingRate(2 * MS), 1);
        // before any sample: an assumed 1 ms
        assertEquals((long) (1.25 * cc.congestionWindow() * 1e9 / MS), cc.pacingRate(-1), 1);
    }

    @Test
    void theWindowNeverFallsBelowTwoFrames() {
        PacketFsCubic cc = new PacketFsCubic(MSS);
        long now = 0;
        for (int i = 0; i < 50; i++) {
            now += 10 * MS;
            cc.onLoss(now, now - 1);
        }
        assertEquals(2L * MSS, cc.congestionWindow());
    }
}
