package io.packetfs.codec.reliability;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The receive window and its gap scan on their own, on made-up times (no clock): when a gap is first asked for
 * (old enough, or passed by enough later frames), when it is asked for again (after the re-NACK interval), how a
 * scan that may ask for no more stops and resumes, and how held frames come out in order.
 */
class ReceiveWindowTest {

    private static final long INTERVAL = 10;
    private static final long NACK_DELAY = 5;
    private static final int REORDER = 3;

    /** Records the gaps a scan asks for, up to {@code limit} per scan. */
    private static final class Requests implements ReceiveWindow.GapRequests {
        final List<Integer> asked = new ArrayList<>();
        int limit = Integer.MAX_VALUE;
        private int thisScan;

        List<Integer> scan(ReceiveWindow w, long now) {
            asked.clear();
            thisScan = 0;
            w.scan(now, INTERVAL, NACK_DELAY, REORDER, this);
            return asked;
        }

        @Override
        public boolean open() {
            return thisScan < limit;
        }

        @Override
        public void request(int seq) {
            thisScan++;
            asked.add(seq);
        }
    }

    private static void receive(ReceiveWindow w, int seq, long now) {
        w.arrived(seq, now);
        if (seq == w.next()) {
            w.delivered();
            for (ByteBuf b; (b = w.takeNext()) != null; ) {
                b.release();
            }
        } else {
            w.hold(seq, Unpooled.buffer(1).writeByte(seq));
        }
    }

    @Test
    void gapsAreAskedForWhenOldOrPassedAndAgainAfterTheInterval() {
        ReceiveWindow w = new ReceiveWindow(16);
        Requests r = new Requests();
        receive(w, 0, 0);
        receive(w, 1, 0);
        receive(w, 4, 0); // 2 and 3 go missing at 0
        assertThat(w.hasGap()).isTrue();
        assertThat(w.framesHeld()).isEqualTo(1);
        assertThat(r.scan(w, 0)).as("young and passed by one frame only").isEmpty();
        receive(w, 5, 1); // 2 is now passed by three frames (3 is missing, 4 and 5 arrived)
        assertThat(r.scan(w, 1)).containsExactly(2);
        assertThat(r.scan(w, 6)).as("3 is old enough now; 2 is not due again").containsExactly(3);
        assertThat(r.scan(w, 10)).as("2 was asked at 1: due at 11").isEmpty();
        assertThat(r.scan(w, 12)).containsExactly(2);
        assertThat(w.repairedAfter(2, 13)).isEqualTo(1); // asked at 12
        receive(w, 2, 13);
        assertThat(w.next()).isEqualTo(3);
        assertThat(w.repairedAfter(2, 14)).isEqualTo(-1);
        receive(w, 3, 14); // the held 4 and 5 follow in order
        assertThat(w.next()).isEqualTo(6);
        assertThat(w.hasGap()).isFalse();
        assertThat(w.framesHeld()).isZero();
        assertThat(r.scan(w, 100)).isEmpty();
    }

    @Test
    void aScanThatMayAskNoMoreResumesWhereItStopped() {
        ReceiveWindow w = new ReceiveWindow(64);
        Requests r = new Requests();
        receive(w, 0, 0);
        for (int s = 2; s < 20; s += 2) { // 1, 3, 5, ... 17 missing
            receive(w, s, 0);
        }
        r.limit = 3;
        assertThat(r.scan(w, 50)).containsExactly(1, 3, 5);
        assertThat(r.scan(w, 51)).containsExactly(7, 9, 11);
        r.limit = Integer.MAX_VALUE;
        assertThat(r.scan(w, 52)).containsExactly(13, 15, 17);
        assertThat(r.scan(w, 53)).isEmpty();
        // after the interval every one of them is due again, oldest first
        assertThat(r.scan(w, 62)).containsExactly(1, 3, 5, 7, 9, 11, 13, 15, 17);
        w.releaseAll();
        assertThat(w.framesHeld()).isZero();
    }
}
