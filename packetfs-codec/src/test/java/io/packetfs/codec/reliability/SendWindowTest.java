package io.packetfs.codec.reliability;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The send window on its own, on made-up times (no clock): frames kept until acknowledged and released then, what
 * a first transmission and a repair record, losses counted once, and the repair queue (each frame once, a head
 * repair ahead of the others, across the ring's wrap).
 */
class SendWindowTest {

    private static ByteBuf frame(int bytes) {
        return Unpooled.buffer(bytes).writeZero(bytes);
    }

    /** Sends every written frame once at {@code now}, {@code bytes} first-transmission bytes counted before. */
    private static long transmitAll(SendWindow w, long now, long bytes) {
        while (w.transmitted() != w.next()) {
            bytes += w.firstTransmission(now).readableBytes();
            w.transmittedOne(bytes);
        }
        return bytes;
    }

    private static List<Integer> drain(SendWindow w) {
        List<Integer> out = new ArrayList<>();
        while (w.hasRepair()) {
            out.add(w.pollRepair());
        }
        return out;
    }

    @Test
    void framesAreKeptUntilAcknowledgedAndRecordWhenTheyLeft() {
        SendWindow w = new SendWindow(4);
        List<ByteBuf> frames = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ByteBuf f = frame(10 + i);
            frames.add(f);
            w.add(f);
        }
        assertThat(w.full()).isTrue();
        assertThat(w.next()).isEqualTo(4);
        assertThat(w.transmitted()).isZero();
        assertThat(w.outstanding(0)).as("not sent yet").isFalse();
        long bytes = transmitAll(w, 7, 0);
        assertThat(bytes).isEqualTo(10 + 11 + 12 + 13);
        assertThat(w.bytesAfter(0)).isEqualTo(10);
        assertThat(w.bytesAfter(3)).isEqualTo(46);
        assertThat(w.sentAt(2)).isEqualTo(7);
        assertThat(w.lastTxAt(2)).isEqualTo(7);
        assertThat(w.resent(2)).isFalse();
        assertThat(w.outstanding(0)).isTrue();
        assertThat(w.outstanding(4)).isFalse();
        assertThat(w.frame(1)).isSameAs(frames.get(1));

        w.acknowledge(2);
        assertThat(w.acked()).isEqualTo(2);
        assertThat(w.full()).isFalse();
        assertThat(w.outstanding(1)).isFalse();
        assertThat(frames.get(0).refCnt()).isZero();
        assertThat(frames.get(1).refCnt()).isZero();
        assertThat(frames.get(2).refCnt()).isEqualTo(1);
        w.releaseAll();
        assertThat(frames.get(2).refCnt()).isZero();
        assertThat(frames.get(3).refCnt()).isZero();
    }

    @Test
    void aRepairCountsItsBytesUntilAcknowledgedAndALossOnce() {
        SendWindow w = new SendWindow(8);
        for (int i = 0; i < 3; i++) {
            w.add(frame(100));
        }
        transmitAll(w, 0, 0);
        assertThat(w.markLost(1)).isTrue();
        assertThat(w.markLost(1)).as("counted once").isFalse();
        w.resend(1, 5);
        w.resend(1, 6);
        assertThat(w.repairBytesInFlight()).as("one repair in flight, however often sent").isEqualTo(100);
        assertThat(w.resent(1)).isTrue();
        assertThat(w.resentBefore(1)).isEqualTo(3);
        assertThat(w.lastTxAt(1)).isEqualTo(6);
        assertThat(w.sentAt(1)).isZero();
        w.acknowledge(2);
        assertThat(w.repairBytesInFlight()).isZero();
        // a slot used again starts clean
        for (int i = 3; i < 10; i++) {
            w.add(frame(100));
        }
        transmitAll(w, 20, 300);
        assertThat(w.resent(9)).isFalse();
        assertThat(w.markLost(9)).isTrue();
        w.releaseAll();
    }

    @Test
    void theRepairQueueTakesEachFrameOnceAndAHeadRepairFirst() {
        SendWindow w = new SendWindow(4);
        w.queueRepair(5, false);
        w.queueRepair(6, false);
        w.queueRepair(5, false);
        assertThat(w.repairQueued(5)).isTrue();
        w.queueRepair(4, true);
        assertThat(drain(w)).containsExactly(4, 5, 6);
        assertThat(w.repairQueued(5)).isFalse();
        // around the ring: the queue's indexes wrap with the sequence numbers
        for (int round = 0; round < 3; round++) {
            w.queueRepair(7, false);
            w.queueRepair(8, false);
            w.queueRepair(9, false);
            w.queueRepair(6, true);
            w.queueRepair(10, false); // slot of 6: already queued
            assertThat(drain(w)).containsExactly(6, 7, 8, 9);
        }
        assertThat(w.hasRepair()).isFalse();
    }
}
