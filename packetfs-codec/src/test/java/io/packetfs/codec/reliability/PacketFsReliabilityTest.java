package io.packetfs.codec.reliability;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PacketFsReliability} between two EmbeddedChannels joined by a seeded, impaired link (loss, duplication,
 * reordering, corruption), on a mock clock: everything here is deterministic and independent of the machine's speed.
 */
class PacketFsReliabilityTest {

    static final PacketFsConfig CODEC = PacketFsConfig.builder().windowPow2(4).build();

    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    /** A channel with a mock clock and a reliability handler on it. */
    EmbeddedChannel peer(PacketFsReliabilityConfig config, int session) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new PacketFsReliability(CODEC, config,
                session));
        channels.add(ch);
        return ch;
    }

    static PacketFsReliability handler(EmbeddedChannel ch) {
        return ch.pipeline().get(PacketFsReliability.class);
    }

    /** A codec frame (as the tier encoder makes them) whose body names {@code index}: header + 4..N bytes. */
    static ByteBuf frame(int index, int bodyLength) {
        ByteBuf f = Unpooled.buffer(8 + bodyLength + 8);
        f.writeByte(0x18).writeByte(4).writeShort(8 + bodyLength).writeInt(0x55AA55AA);
        f.writeInt(index);
        for (int i = 4; i < bodyLength; i++) {
            f.writeByte(index + i);
        }
        return f;
    }

    /** Checks a delivered frame: flag R cleared, trailer gone, length fixed, sequence = index, body intact. */
    static void assertFrame(ByteBuf f, int index, int bodyLength) {
        int at = f.readerIndex();
        assertEquals(0x18, f.getUnsignedByte(at), "flag R must be cleared");
        assertEquals(8 + bodyLength, f.readableBytes());
        assertEquals(8 + bodyLength, f.getUnsignedShort(at + 2));
        assertEquals(index, f.getInt(at + 4), "sequence");
        assertEquals(index, f.getInt(at + 8), "body");
        for (int i = 4; i < bodyLength; i++) {
            assertEquals((byte) (index + i), f.getByte(at + 8 + i));
        }
    }

    /** A seeded lossy link in one direction. */
    static final class Link {
        final SplittableRandom random;
        final double loss;
        final double duplicate;
        final double reorder;
        final double corrupt;
        final List<ByteBuf> held = new ArrayList<>();
        final List<Integer> holdFor = new ArrayList<>();
        long carried;
        long lost;
        long duplicated;
        long reordered;
        long corrupted;

        Link(long seed, double loss, double duplicate, double reorder, double corrupt) {
            this.random = new SplittableRandom(seed);
            this.loss = loss;
            this.duplicate = duplicate;
            this.reorder = reorder;
            this.corrupt = corrupt;
        }

        /** Moves every frame written by {@code from} to {@code to}, impaired. */
        void carry(EmbeddedChannel from, EmbeddedChannel to) {
            for (;;) {
                ByteBuf f = from.readOutbound();
                if (f == null) {
                    break;
                }
                carried++;
                // the wire copies: what the receiver changes in place must not touch the sender's kept frame
                ByteBuf copy = Unpooled.copiedBuffer(f);
                f.release();
                if (random.nextDouble() < loss) {
                    lost++;
                    copy.release();
                    continue;
                }
                if (random.nextDouble() < corrupt) {
                    corrupted++;
                    int bit = random.nextInt(copy.readableBytes() * 8);
                    copy.setByte(bit >>> 3, copy.getByte(bit >>> 3) ^ (1 << (bit & 7)));
                }
                if (random.nextDouble() < duplicate) {
                    duplicated++;
                    deliver(to, copy.copy());
                }
                if (random.nextDouble() < reorder) {
                    reordered++;
                    held.add(copy);
                    holdFor.add(1 + random.nextInt(5));
                    continue;
                }
                deliver(to, copy);
            }
        }

        private void deliver(EmbeddedChannel to, ByteBuf f) {
            to.writeInbound(f);
            for (int i = 0; i < held.size(); i++) {
                int left = holdFor.get(i) - 1;
                if (left <= 0) {
                    ByteBuf h = held.remove(i);
                    holdFor.remove(i);
                    i--;
                    to.writeInbound(h);
                } else {
                    holdFor.set(i, left);
                }
            }
        }

        /** Lets every held frame go (as time passes on a real link). */
        void release(EmbeddedChannel to) {
            while (!held.isEmpty()) {
                holdFor.remove(0);
                to.writeInbound(held.remove(0));
            }
        }
    }

    /** Runs a transfer of {@code count} frames from a to b over the two links; returns the frames b received. */
    static List<ByteBuf> transfer(EmbeddedChannel a, EmbeddedChannel b, Link ab, Link ba, int count, int body,
                                  int maxSteps) {
        List<ByteBuf> got = new ArrayList<>();
        int written = 0;
        for (int step = 0; step < maxSteps; step++) {
            while (written < count && a.isWritable()) {
                a.writeOneOutbound(frame(written++, body));
            }
            a.flushOutbound();
            ab.carry(a, b);
            drain(b, got);
            ba.carry(b, a);
            if (step % 3 == 2) {
                ab.release(b);
                ba.release(a);
            }
            if (written == count && got.size() == count && handler(a).unacknowledged() == 0) {
                break;
            }
            a.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            b.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            a.runScheduledPendingTasks();
            b.runScheduledPendingTasks();
        }
        return got;
    }

    static void drain(EmbeddedChannel ch, List<ByteBuf> into) {
        for (;;) {
            Object m = ch.readInbound();
            if (m == null) {
                return;
            }
            into.add((ByteBuf) m);
        }
    }

    static void checkAndRelease(List<ByteBuf> got, int count, int body) {
        assertEquals(count, got.size(), "frames delivered");
        for (int i = 0; i < count; i++) {
            assertFrame(got.get(i), i, body);
            assertEquals(1, got.get(i).refCnt());
            got.get(i).release();
            assertEquals(0, got.get(i).refCnt());
        }
    }

    @Test
    void cleanLinkDeliversInOrderWithoutRepair() {
        EmbeddedChannel a = peer(PacketFsReliabilityConfig.DEFAULT, 0x0A0A0A0A);
        EmbeddedChannel b = peer(PacketFsReliabilityConfig.DEFAULT, 0x0B0B0B0B);
        List<ByteBuf> got = transfer(a, b, new Link(1, 0, 0, 0, 0), new Link(2, 0, 0, 0, 0), 3000, 100, 10_000);
        checkAndRelease(got, 3000, 100);
        PacketFsReliability ra = handler(a);
        PacketFsReliability rb = handler(b);
        assertEquals(3000, ra.framesSent());
        assertEquals(0, ra.framesRetransmitted());
        assertEquals(0, rb.nacksSent());
        assertEquals(3000, rb.framesDelivered());
        assertEquals(0x0A0A0A0A, rb.peerSessionId());
        assertEquals(0x0B0B0B0B, ra.peerSessionId());
        assertTrue(b.attr(PacketFsReliability.PEER_LOCKED).get());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void impairedLinkDeliversEveryFrameInOrder(long seed) {
        EmbeddedChannel a = peer(PacketFsReliabilityConfig.DEFAULT, 0x1111 + (int) seed);
        EmbeddedChannel b = peer(PacketFsReliabilityConfig.DEFAULT, 0x2222 + (int) seed);
        // 5 % loss, 1 % duplication, 10 % reordering, 1 % corruption, both ways (feedback is impaired too)
        Link ab = new Link(seed, 0.05, 0.01, 0.10, 0.01);
        Link ba = new Link(seed * 31, 0.05, 0.01, 0.10, 0.01);
        List<ByteBuf> got = transfer(a, b, ab, ba, 5000, 60, 100_000);
        checkAndRelease(got, 5000, 60);
        PacketFsReliability ra = handler(a);
        PacketFsReliability rb = handler(b);
        assertEquals(0, ra.unacknowledged());
        assertThat(ab.lost).isPositive();
        assertThat(ab.corrupted).isPositive();
        assertThat(ra.framesRetransmitted()).isGreaterThanOrEqualTo(ab.lost / 2);
        assertThat(rb.nacksSent()).isPositive();
        assertThat(rb.corruptDropped() + rb.invalidDropped()).isPositive();
        assertThat(rb.duplicatesDropped()).isPositive();
        assertThat(rb.framesReordered()).isPositive();
    }

    @Test
    void lostTailIsResentAfterTheTimeout() {
        EmbeddedChannel a = peer(PacketFsReliabilityConfig.DEFAULT, 0x0A);
        EmbeddedChannel b = peer(PacketFsReliabilityConfig.DEFAULT, 0x0B);
        for (int i = 0; i < 10; i++) {
            a.writeOneOutbound(frame(i, 20));
        }
        a.flushOutbound();
        List<ByteBuf> wire = new ArrayList<>();
        drainOutbound(a, wire);
        assertEquals(10, wire.size());
        for (int i = 0; i < 7; i++) {
            b.writeInbound(Unpooled.copiedBuffer(wire.get(i)));
        }
        wire.forEach(ByteBuf::release); // frames 7, 8, 9 are lost: nothing after them shows a gap
        List<ByteBuf> got = new ArrayList<>();
        drain(b, got);
        assertEquals(7, got.size());
        // nothing happens before the retransmission timeout (200 ms before any round trip was measured) ...
        a.advanceTimeBy(199, TimeUnit.MILLISECONDS);
        a.runScheduledPendingTasks();
        assertEquals(0, handler(a).framesRetransmitted());
        drainOutbound(a, wire = new ArrayList<>());
        wire.forEach(ByteBuf::release);
        // ... then two probes go: the oldest unacknowledged frame and the newest (PTO-style, not a burst)
        a.advanceTimeBy(6, TimeUnit.MILLISECONDS); // the next timer tick (5 ms period)
        a.runScheduledPendingTasks();
        assertEquals(1, handler(a).retransmitTimeouts());
        drainOutbound(a, wire = new ArrayList<>());
        assertEquals(2, wire.size());
        // a heard no STATUS yet (this test carries nothing back): its oldest unacknowledged frame is 0
        assertEquals(0, wire.get(0).getInt(wire.get(0).readerIndex() + 4), "the oldest");
        assertEquals(9, wire.get(1).getInt(wire.get(1).readerIndex() + 4), "the newest");
        for (ByteBuf f : wire) {
            b.writeInbound(Unpooled.copiedBuffer(f));
            f.release();
        }
        // the newest shows b the gap at 7 and 8, which it asks for; the repairs complete the tail
        for (int step = 0; step < 50 && got.size() < 10; step++) {
            drain(b, got);
            Link clean = new Link(1, 0, 0, 0, 0);
            clean.carry(b, a);
            clean.carry(a, b);
            a.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            b.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            a.runScheduledPendingTasks();
            b.runScheduledPendingTasks();
        }
        drain(b, got);
        assertThat(handler(b).nacksSent()).isPositive();
        assertEquals(4, handler(a).framesRetransmitted(), "0 and 9 as probes, 7 and 8 on NACK");
        checkAndRelease(got, 10, 20);
    }

    @Test
    void senderNeverExceedsTheReceiversWindowAndBecomesUnwritable() {
        PacketFsReliabilityConfig small = PacketFsReliabilityConfig.builder().receiveWindowFrames(40)
                .sendBufferFrames(256).writeWaterMarks(8, 24).build();
        EmbeddedChannel a = peer(small, 0x0A);
        EmbeddedChannel b = peer(small, 0x0B);
        int written = 0;
        while (a.isWritable()) {
            a.writeOneOutbound(frame(written++, 20));
        }
        a.flushOutbound();
        // before any STATUS the sender uses the initial window; 24 more frames wait and make it unwritable
        assertEquals(PacketFsReliability.INITIAL_PEER_WINDOW + 24, written);
        assertEquals(written, handler(a).unacknowledged());
        List<ByteBuf> wire = new ArrayList<>();
        drainOutbound(a, wire);
        assertThat(wire).hasSize(PacketFsReliability.INITIAL_PEER_WINDOW);
        for (ByteBuf f : wire) {
            b.writeInbound(Unpooled.copiedBuffer(f));
            f.release();
        }
        List<ByteBuf> got = new ArrayList<>();
        drain(b, got);
        assertEquals(PacketFsReliability.INITIAL_PEER_WINDOW, got.size());
        got.forEach(ByteBuf::release);
        // the receiver's STATUS units (next, window 40) let the waiting frames go, within next + 40
        b.advanceTimeBy(10, TimeUnit.MILLISECONDS);
        b.runScheduledPendingTasks();
        List<ByteBuf> feedback = new ArrayList<>();
        drainOutbound(b, feedback);
        assertThat(feedback).isNotEmpty();
        for (ByteBuf f : feedback) {
            a.writeInbound(f);
        }
        drainOutbound(a, wire = new ArrayList<>());
        assertThat(wire).hasSize(24);
        for (int i = 0; i < wire.size(); i++) {
            assertEquals(PacketFsReliability.INITIAL_PEER_WINDOW + i, wire.get(i).getInt(wire.get(i).readerIndex() + 4));
            wire.get(i).release();
        }
        assertTrue(a.isWritable(), "writable again below the low water mark");
        assertEquals(24, handler(a).unacknowledged());
    }

    @Test
    void framesBeyondTheWindowAreDroppedNotBuffered() {
        PacketFsReliabilityConfig tiny = PacketFsReliabilityConfig.builder().receiveWindowFrames(4).build();
        EmbeddedChannel a = peer(PacketFsReliabilityConfig.DEFAULT, 0x0A);
        EmbeddedChannel b = peer(tiny, 0x0B);
        for (int i = 0; i < 10; i++) {
            a.writeOneOutbound(frame(i, 20));
        }
        a.flushOutbound();
        List<ByteBuf> wire = new ArrayList<>();
        drainOutbound(a, wire);
        for (int i = 1; i < wire.size(); i++) { // frame 0 lost: 1..3 wait, 4..9 are beyond the window
            b.writeInbound(Unpooled.copiedBuffer(wire.get(i)));
        }
        wire.forEach(ByteBuf::release);
        assertNull(b.readInbound());
        assertEquals(3, handler(b).framesReordered());
        assertEquals(6, handler(b).overflowDropped());
    }

    @Test
    void framesOfAnotherSessionAndGarbageAreCountedAndDropped() {
        EmbeddedChannel a = peer(PacketFsReliabilityConfig.DEFAULT, 0x0A);
        EmbeddedChannel b = peer(PacketFsReliabilityConfig.DEFAULT, 0x0B);
        EmbeddedChannel intruder = peer(PacketFsReliabilityConfig.DEFAULT, 0x0C);
        a.writeOutbound(frame(0, 20));
        new Link(1, 0, 0, 0, 0).carry(a, b);
        // a third party's valid frames (another session), an unreliable frame, garbage, a truncated frame
        intruder.writeOutbound(frame(1, 20));
        new Link(2, 0, 0, 0, 0).carry(intruder, b);
        b.writeInbound(frame(1, 20));
        b.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}));
        b.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x1C, 4, 0, 30, 0, 0, 0, 1}));
        a.writeOutbound(frame(1, 20));
        new Link(3, 0, 0, 0, 0).carry(a, b);
        List<ByteBuf> got = new ArrayList<>();
        drain(b, got);
        checkAndRelease(got, 2, 20);
        PacketFsReliability rb = handler(b);
        assertEquals(1, rb.foreignDropped());
        assertEquals(3, rb.invalidDropped());
        assertEquals(0x0A, rb.peerSessionId());
    }

    @Test
    void aCorruptedFrameIsDroppedAndRepaired() {
        EmbeddedChannel a = peer(PacketFsReliabilityConfig.DEFAULT, 0x0A);
        EmbeddedChannel b = peer(PacketFsReliabilityConfig.DEFAULT, 0x0B);
        for (int i = 0; i < 20; i++) {
            a.writeOneOutbound(frame(i, 40));
        }
        a.flushOutbound();
        List<ByteBuf> wire = new ArrayList<>();
        drainOutbound(a, wire);
        for (int i = 0; i < wire.size(); i++) {
            ByteBuf c = Unpooled.copiedBuffer(wire.get(i));
            if (i == 5) {
                c.setByte(20, c.getByte(20) ^ 0x10); // one bit in the body
            }
            b.writeInbound(c);
            wire.get(i).release();
        }
        List<ByteBuf> got = new ArrayList<>();
        drain(b, got);
        assertEquals(5, got.size(), "frames after the bad one wait for its repair");
        assertEquals(1, handler(b).corruptDropped());
        // 14 later frames arrived (>= reorder threshold 8): the NACK went out when the read completed
        assertEquals(1, handler(b).nacksSent());
        List<ByteBuf> feedback = new ArrayList<>();
        drainOutbound(b, feedback);
        for (ByteBuf f : feedback) {
            a.writeInbound(f);
        }
        assertEquals(1, handler(a).framesRetransmitted());
        drainOutbound(a, wire = new ArrayList<>());
        for (ByteBuf f : wire) {
            b.writeInbound(Unpooled.copiedBuffer(f));
            f.release();
        }
        drain(b, got);
        checkAndRelease(got, 20, 40);
    }

    @Test
    void aSilentPeerEndsTheSessionWithATimeout() {
        PacketFsReliabilityConfig quick = PacketFsReliabilityConfig.builder()
                .peerTimeout(650, TimeUnit.MILLISECONDS).build();
        EmbeddedChannel a = peer(quick, 0x0A);
        List<Throwable> errors = new ArrayList<>();
        a.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                errors.add(cause);
            }
        });
        a.writeOutbound(frame(0, 20));
        for (int ms = 0; ms < 700; ms++) {
            a.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            a.runScheduledPendingTasks();
            List<ByteBuf> wire = new ArrayList<>();
            drainOutbound(a, wire);
            wire.forEach(ByteBuf::release);
        }
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).isInstanceOf(PacketFsPeerTimeoutException.class)
                .isInstanceOf(io.netty.channel.ChannelException.class).isNotInstanceOf(PacketFsException.class)
                .hasMessageContaining("1 frames wait");
        assertThat(((PacketFsPeerTimeoutException) errors.get(0)).silentNanos())
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(650));
        // retransmissions backed off: after 200 and 400 ms (at 200 and 600 ms), the next would be at 1,400 ms
        assertEquals(2, handler(a).retransmitTimeouts());
    }

    @Test
    void whenAcknowledgedCompletesAfterTheLastStatus() {
        EmbeddedChannel a = peer(PacketFsReliabilityConfig.DEFAULT, 0x0A);
        EmbeddedChannel b = peer(PacketFsReliabilityConfig.DEFAULT, 0x0B);
        a.writeOutbound(frame(0, 20));
        io.netty.util.concurrent.Future<Void> acked = handler(a).whenAcknowledged();
        assertFalse(acked.isDone());
        Link ab = new Link(1, 0, 0, 0, 0);
        Link ba = new Link(2, 0, 0, 0, 0);
        List<ByteBuf> got = transfer(a, b, ab, ba, 0, 20, 20);
        drain(b, got);
        assertTrue(acked.isSuccess());
        got.forEach(ByteBuf::release);
    }

    @Test
    void heldFramesAreReleasedWhenTheChannelCloses() {
        EmbeddedChannel a = peer(PacketFsReliabilityConfig.DEFAULT, 0x0A);
        EmbeddedChannel b = peer(PacketFsReliabilityConfig.DEFAULT, 0x0B);
        for (int i = 0; i < 5; i++) {
            a.writeOneOutbound(frame(i, 20));
        }
        a.flushOutbound();
        List<ByteBuf> wire = new ArrayList<>();
        drainOutbound(a, wire);
        b.writeInbound(Unpooled.copiedBuffer(wire.get(3))); // held: frames 0..2 missing
        ByteBuf kept = wire.get(0);
        assertEquals(2, kept.refCnt(), "the wire's duplicate and the sender's kept frame share one count");
        wire.forEach(ByteBuf::release);
        assertEquals(1, kept.refCnt());
        assertNull(b.readInbound());
        assertFalse(a.finishAndReleaseAll());
        assertFalse(b.finishAndReleaseAll());
        assertEquals(0, kept.refCnt(), "the sender released what it kept for retransmission");
    }

    /** Carries every frame {@code from} wrote to {@code to}, without impairment; returns how many. */
    static int carryAll(EmbeddedChannel from, EmbeddedChannel to) {
        List<ByteBuf> wire = new ArrayList<>();
        drainOutbound(from, wire);
        for (ByteBuf f : wire) {
            to.writeInbound(Unpooled.copiedBuffer(f));
            f.release();
        }
        return wire.size();
    }

    static int sequenceOf(ByteBuf f) {
        return f.getInt(f.readerIndex() + 4);
    }

    @Test
    void framesInFlightCountFromTheNewestFrameThePeerReceived() {
        PacketFsReliabilityConfig config = PacketFsReliabilityConfig.builder().maxInFlightFrames(16)
                .statusEveryFrames(4).build();
        EmbeddedChannel a = peer(config, 0x0A);
        EmbeddedChannel b = peer(config, 0x0B);
        for (int i = 0; i < 100; i++) {
            a.writeOneOutbound(frame(i, 20));
        }
        a.flushOutbound();
        List<ByteBuf> wire = new ArrayList<>();
        drainOutbound(a, wire);
        assertThat(wire).hasSize(16); // 16 in flight, although the initial window would allow 32
        // frame 0 is lost; 1..8 arrive and wait: Next Sequence stays 0, the newest received is 8
        for (int i = 1; i <= 8; i++) {
            b.writeInbound(Unpooled.copiedBuffer(wire.get(i)));
        }
        wire.forEach(ByteBuf::release);
        assertNull(b.readInbound());
        assertEquals(1, handler(b).nacksSent());
        carryAll(b, a);
        // the sender resends frame 0 and may now have frames up to 9 + 16 - 1 in flight, not 0 + 16 - 1
        drainOutbound(a, wire = new ArrayList<>());
        List<Integer> sequences = new ArrayList<>();
        for (ByteBuf f : wire) {
            sequences.add(sequenceOf(f));
            f.release();
        }
        assertThat(sequences).containsExactlyInAnyOrder(0, 16, 17, 18, 19, 20, 21, 22, 23, 24);
        assertEquals(1, handler(a).framesRetransmitted());
    }

    @Test
    void aLostRepairOfTheOldestFrameIsResentOnceLaterFramesArrive() {
        PacketFsReliabilityConfig config = PacketFsReliabilityConfig.builder().statusEveryFrames(8).build();
        EmbeddedChannel a = peer(config, 0x0A);
        EmbeddedChannel b = peer(config, 0x0B);
        for (int i = 0; i < 30; i++) {
            a.writeOneOutbound(frame(i, 20));
        }
        a.flushOutbound();
        List<ByteBuf> wire = new ArrayList<>();
        drainOutbound(a, wire);
        for (int i = 1; i < wire.size(); i++) { // frame 0 lost
            b.writeInbound(Unpooled.copiedBuffer(wire.get(i)));
        }
        wire.forEach(ByteBuf::release);
        carryAll(b, a); // NACK for 0 (and STATUS units)
        drainOutbound(a, wire = new ArrayList<>());
        assertThat(wire).hasSize(1);
        assertEquals(0, sequenceOf(wire.get(0)));
        wire.forEach(ByteBuf::release); // the repair is lost too
        // the clock does not move: no re-NACK and no timeout can help; frames sent after the repair arrive
        for (int i = 30; i < 60; i++) {
            a.writeOneOutbound(frame(i, 20));
        }
        a.flushOutbound();
        assertEquals(30, carryAll(a, b));
        assertEquals(0, handler(a).retransmitTimeouts());
        carryAll(b, a); // STATUS: Next Sequence 0, received up to 60
        assertEquals(1, handler(a).headRepairs());
        assertEquals(2, handler(a).framesRetransmitted());
        carryAll(a, b);
        List<ByteBuf> got = new ArrayList<>();
        drain(b, got);
        checkAndRelease(got, 60, 20);
    }

    @Test
    void moreGapsThanOneScanRequestsAreAllRepaired() {
        // every other frame is lost the first time: up to 2,048 gaps are open at once, more than one scan asks for
        PacketFsReliabilityConfig config = PacketFsReliabilityConfig.builder().receiveWindowFrames(4096)
                .sendBufferFrames(8192).maxInFlightFrames(4096).build();
        EmbeddedChannel a = peer(config, 0x0A);
        EmbeddedChannel b = peer(config, 0x0B);
        int count = 12_000;
        boolean[] seen = new boolean[count];
        List<ByteBuf> got = new ArrayList<>();
        int written = 0;
        int lost = 0;
        for (int step = 0; step < 10_000 && (got.size() < count || handler(a).unacknowledged() > 0); step++) {
            while (written < count && a.isWritable()) {
                a.writeOneOutbound(frame(written++, 20));
            }
            a.flushOutbound();
            List<ByteBuf> wire = new ArrayList<>();
            drainOutbound(a, wire);
            for (ByteBuf f : wire) {
                int seq = sequenceOf(f);
                if (seq % 2 == 0 && !seen[seq]) {
                    lost++;
                } else {
                    b.writeInbound(Unpooled.copiedBuffer(f));
                }
                seen[seq] = true;
                f.release();
            }
            drain(b, got);
            carryAll(b, a);
            a.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            b.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            a.runScheduledPendingTasks();
            b.runScheduledPendingTasks();
        }
        checkAndRelease(got, count, 20);
        assertEquals(count / 2, lost);
        assertThat(handler(a).framesRetransmitted()).isBetween((long) lost, 2L * lost);
        assertThat(handler(b).nacksSent()).isGreaterThan(8);
    }

    static void drainOutbound(EmbeddedChannel ch, List<ByteBuf> into) {
        for (;;) {
            Object m = ch.readOutbound();
            if (m == null) {
                return;
            }
            into.add((ByteBuf) m);
        }
    }
}
