package io.packetfs.codec.reliability;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link PacketFsPacer} on a clock of plain numbers. */
class PacketFsPacerTest {

    private static final long MS = 1_000_000L;

    @Test
    void unpacedNeverWaits() {
        PacketFsPacer p = new PacketFsPacer(250_000, 3000);
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, p.delayNanos(0));
            p.onSend(0, 1500);
        }
    }

    /** Sends as fast as the pacer allows for {@code durationNanos}, returning the bytes that left. */
    private static long sendFor(PacketFsPacer p, long start, long durationNanos, int frame) {
        long now = start;
        long bytes = 0;
        while (now - start < durationNanos) {
            long wait = p.delayNanos(now);
            if (wait > 0) {
                now += wait;
                continue;
            }
            p.onSend(now, frame);
            bytes += frame;
        }
        return bytes;
    }

    @Test
    void aLongRunMovesTheRateWithinOneBurst() {
        PacketFsPacer p = new PacketFsPacer(250_000, 3000);
        p.rate(12_500_000); // 100 Mbit/s
        long bytes = sendFor(p, 0, 1000 * MS, 1500);
        // one second at 12.5 MB/s, plus the first burst (250 us at the rate, at least 2 frames)
        assertThat(bytes).isBetween(12_500_000L - 1500, 12_500_000L + 3125 + 3000);
    }

    @Test
    void afterAPauseAtMostOneBurstLeavesAtOnce() {
        PacketFsPacer p = new PacketFsPacer(250_000, 3000);
        p.rate(125_000_000); // 1 Gbit/s: 250 us is 31,250 bytes
        sendFor(p, 0, 10 * MS, 1500);
        long now = 500 * MS; // idle for a long time
        int burst = 0;
        while (p.delayNanos(now) == 0) {
            p.onSend(now, 1500);
            burst++;
        }
        assertThat(burst * 1500).isBetween(31_250, 31_250 + 1500);
    }

    @Test
    void slowRatesStillLetTwoFramesGo() {
        PacketFsPacer p = new PacketFsPacer(250_000, 3000);
        p.rate(10_000); // 10 kB/s: 250 us is 2.5 bytes, the floor is two frames
        long now = 0;
        int burst = 0;
        while (p.delayNanos(now) == 0) {
            p.onSend(now, 1500);
            burst++;
        }
        assertEquals(3, burst); // two frames of credit, and the one that used it up
        assertThat(p.delayNanos(now)).isEqualTo(150 * MS); // the next 1,500 bytes at 10 kB/s
    }

    @Test
    void aRateChangeTakesEffectFromTheNextFrame() {
        PacketFsPacer p = new PacketFsPacer(0, 0);
        p.rate(1_000_000);
        p.onSend(0, 1000);
        assertEquals(MS, p.delayNanos(0));
        p.rate(2_000_000);
        p.onSend(MS, 1000);
        assertEquals(MS / 2, p.delayNanos(MS));
    }

    @Test
    void negativeBurstIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PacketFsPacer(-1, 0));
    }
}
