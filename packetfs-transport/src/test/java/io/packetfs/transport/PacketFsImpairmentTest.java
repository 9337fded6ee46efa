package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.packetfs.transport.PacketFsImpairment.Direction;
import io.packetfs.transport.PacketFsImpairment.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PacketFsImpairment} on an {@link EmbeddedChannel}: each impairment alone at p = 0 and p = 1, seeded rates at
 * p = 0.05, determinism, the delay on the channel's virtual clock, teardown with held frames, and that every fed
 * buffer ends with refCnt 0.
 */
class PacketFsImpairmentTest {

    private static final int FRAME_LENGTH = 32;

    private final List<ByteBuf> fed = new ArrayList<>();

    @AfterEach
    void everyFedBufferIsReleased() {
        for (ByteBuf b : fed) {
            assertEquals(0, b.refCnt(), "a fed frame was not released");
        }
    }

    private ByteBuf frame(int id) {
        ByteBuf b = Unpooled.buffer(FRAME_LENGTH);
        b.writeInt(id);
        for (int i = 4; i < FRAME_LENGTH; i++) {
            b.writeByte(id * 31 + i);
        }
        fed.add(b);
        return b;
    }

    private static EmbeddedChannel channel(Settings settings) {
        return new EmbeddedChannel(new PacketFsImpairment(settings));
    }

    private static PacketFsImpairment impairment(EmbeddedChannel ch) {
        return ch.pipeline().get(PacketFsImpairment.class);
    }

    /** Feeds frames 0..n-1 inbound and returns the ids that come out, releasing every output. */
    private List<Integer> feedInbound(EmbeddedChannel ch, int n) {
        for (int i = 0; i < n; i++) {
            ch.writeInbound(frame(i));
        }
        return drainInbound(ch);
    }

    private static List<Integer> drainInbound(EmbeddedChannel ch) {
        List<Integer> ids = new ArrayList<>();
        for (ByteBuf b = ch.readInbound(); b != null; b = ch.readInbound()) {
            ids.add(b.getInt(b.readerIndex()));
            b.release();
        }
        return ids;
    }

    private static List<Integer> ids(int... ids) {
        List<Integer> l = new ArrayList<>();
        for (int id : ids) {
            l.add(id);
        }
        return l;
    }

    private static List<Integer> range(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    @Test
    void nothingConfiguredPassesEveryFrameInOrderUnchanged() {
        EmbeddedChannel ch = channel(Settings.NONE);
        for (int i = 0; i < 10; i++) {
            ch.writeInbound(frame(i));
        }
        for (int i = 0; i < 10; i++) {
            ByteBuf b = ch.readInbound();
            ByteBuf expected = Unpooled.wrappedBuffer(ByteBufUtil.getBytes(fed.get(i)));
            assertTrue(ByteBufUtil.equals(expected, b));
            assertTrue(b == fed.get(i), "passes the same buffer");
            b.release();
        }
        assertNull(ch.readInbound());
        assertEquals(10, impairment(ch).framesPassed());
        assertFalse(ch.finish());
    }

    @Test
    void lossOneDropsEveryFrameAndLossZeroNone() {
        EmbeddedChannel all = channel(Settings.builder().loss(1).build());
        assertThat(feedInbound(all, 100)).isEmpty();
        assertEquals(100, impairment(all).dropped());
        assertEquals(0, impairment(all).framesPassed());
        assertFalse(all.finish());

        EmbeddedChannel none = channel(Settings.builder().loss(0).seed(9).build());
        assertEquals(range(100), feedInbound(none, 100));
        assertEquals(0, impairment(none).dropped());
        assertFalse(none.finish());
    }

    @Test
    void droppedWriteSucceedsAndIsReleased() {
        EmbeddedChannel ch = channel(Settings.builder().loss(1).build());
        ChannelFuture f = ch.writeAndFlush(frame(1));
        assertTrue(f.isSuccess());
        assertNull(ch.readOutbound());
        assertFalse(ch.finish());
    }

    @Test
    void duplicateOneSendsEveryFrameTwice() {
        EmbeddedChannel ch = channel(Settings.builder().duplicate(1).build());
        assertEquals(ids(0, 0, 1, 1, 2, 2), feedInbound(ch, 3));
        assertEquals(3, impairment(ch).duplicated());
        assertEquals(6, impairment(ch).framesPassed());
        assertFalse(ch.finish());

        EmbeddedChannel none = channel(Settings.builder().duplicate(0).build());
        assertEquals(range(50), feedInbound(none, 50));
        assertFalse(none.finish());
    }

    @Test
    void duplicatedWritesBothGoOut() {
        EmbeddedChannel ch = channel(Settings.builder().duplicate(1).build());
        ChannelFuture f = ch.writeAndFlush(frame(7));
        assertTrue(f.isSuccess());
        for (int i = 0; i < 2; i++) {
            ByteBuf b = ch.readOutbound();
            assertEquals(7, b.getInt(b.readerIndex()));
            b.release();
        }
        assertNull(ch.readOutbound());
        assertFalse(ch.finish());
    }

    @Test
    void corruptOneFlipsExactlyOneBitOfEveryFrame() {
        EmbeddedChannel ch = channel(Settings.builder().corrupt(1).seed(3).build());
        for (int i = 0; i < 200; i++) {
            ByteBuf in = frame(i);
            byte[] before = ByteBufUtil.getBytes(in);
            ch.writeInbound(in);
            ByteBuf out = ch.readInbound();
            assertEquals(before.length, out.readableBytes());
            assertEquals(1, differingBits(before, ByteBufUtil.getBytes(out)), "frame " + i);
            out.release();
        }
        assertEquals(200, impairment(ch).corrupted());
        assertFalse(ch.finish());

        EmbeddedChannel none = channel(Settings.builder().corrupt(0).build());
        ByteBuf in = frame(1);
        byte[] before = ByteBufUtil.getBytes(in);
        none.writeInbound(in);
        ByteBuf out = none.readInbound();
        assertEquals(0, differingBits(before, ByteBufUtil.getBytes(out)));
        out.release();
        assertFalse(none.finish());
    }

    @Test
    void sharedOrReadOnlyFrameIsCopiedBeforeCorruption() {
        EmbeddedChannel ch = channel(Settings.builder().corrupt(1).build());
        ByteBuf shared = frame(1).retain(); // the test keeps a reference: the bytes must not change under it
        byte[] before = ByteBufUtil.getBytes(shared);
        ch.writeInbound(shared);
        ByteBuf out = ch.readInbound();
        assertTrue(out != shared);
        assertEquals(1, shared.refCnt(), "the handler released its reference to the original");
        assertEquals(0, differingBits(before, ByteBufUtil.getBytes(shared)));
        assertEquals(1, differingBits(before, ByteBufUtil.getBytes(out)));
        out.release();
        shared.release();

        ByteBuf backing = frame(2);
        byte[] backingBytes = ByteBufUtil.getBytes(backing);
        ch.writeInbound(backing.asReadOnly());
        ByteBuf copy = ch.readInbound();
        assertEquals(0, backing.refCnt());
        assertEquals(1, differingBits(backingBytes, ByteBufUtil.getBytes(copy)));
        copy.release();
        assertFalse(ch.finish());
    }

    @Test
    void emptyFrameIsNotCorrupted() {
        EmbeddedChannel ch = channel(Settings.builder().corrupt(1).build());
        ByteBuf empty = Unpooled.buffer(0);
        fed.add(empty);
        ch.writeInbound(empty);
        ByteBuf out = ch.readInbound();
        assertEquals(0, out.readableBytes());
        out.release();
        assertEquals(0, impairment(ch).corrupted());
        assertFalse(ch.finish());
    }

    @Test
    void reorderOneSwapsNeighboursAndZeroKeepsOrder() {
        EmbeddedChannel ch = channel(Settings.builder().reorder(1).build());
        assertEquals(ids(1, 0, 3, 2, 5, 4), feedInbound(ch, 6));
        assertEquals(3, impairment(ch).reordered());
        assertFalse(ch.finish());

        EmbeddedChannel none = channel(Settings.builder().reorder(0).build());
        assertEquals(range(60), feedInbound(none, 60));
        assertFalse(none.finish());
    }

    @Test
    void reorderDepthHoldsAFrameBehindUpToNLaterFrames() {
        EmbeddedChannel ch = channel(Settings.builder().reorder(1).reorderDepth(4).seed(5).build());
        List<Integer> out = feedInbound(ch, 1000);
        PacketFsImpairment imp = impairment(ch);
        assertEquals(1000 - imp.pending(), out.size());
        List<Integer> sorted = new ArrayList<>(out);
        sorted.sort(null);
        assertEquals(out.size(), sorted.stream().distinct().count(), "no frame twice");
        boolean sawDistanceAboveOne = false;
        for (int pos = 0; pos < out.size(); pos++) {
            int late = pos - out.get(pos);
            assertThat(late).as("a frame comes out at most 4 places late").isBetween(-1, 4);
            sawDistanceAboveOne |= late > 1;
        }
        assertTrue(sawDistanceAboveOne);
        assertFalse(ch.finish());
    }

    @Test
    void heldFrameIsReleasedWhenTheChannelCloses() {
        EmbeddedChannel ch = channel(Settings.builder().reorder(1).build());
        assertEquals(ids(1, 0), feedInbound(ch, 3)); // frame 2 waits for a successor that never comes
        assertEquals(1, impairment(ch).pending());
        assertEquals(1, fed.get(2).refCnt());
        assertFalse(ch.finish());
        assertEquals(0, fed.get(2).refCnt());
    }

    @Test
    void heldWriteFailsWhenTheHandlerIsRemoved() {
        EmbeddedChannel ch = channel(Settings.builder().reorder(1).build());
        ChannelFuture f = ch.writeAndFlush(frame(1));
        assertFalse(f.isDone());
        ch.pipeline().remove(PacketFsImpairment.class);
        assertTrue(f.cause() instanceof ClosedChannelException);
        assertFalse(ch.finish());
    }

    @Test
    void reorderedWritesLeaveSwapped() {
        EmbeddedChannel ch = channel(Settings.builder().reorder(1).direction(Direction.OUTBOUND).build());
        ChannelFuture f0 = ch.writeAndFlush(frame(0));
        ChannelFuture f1 = ch.writeAndFlush(frame(1));
        assertTrue(f0.isSuccess());
        assertTrue(f1.isSuccess());
        ByteBuf a = ch.readOutbound();
        ByteBuf b = ch.readOutbound();
        assertEquals(1, a.getInt(0));
        assertEquals(0, b.getInt(0));
        a.release();
        b.release();
        assertFalse(ch.finish());
    }

    @Test
    void rateOfEachImpairmentAtFivePercentOverTenThousandFrames() {
        // seeded, so the counts are exact; the bounds show they are plausible for p = 0.05
        assertEquals(528, countOver10k(Settings.builder().loss(0.05)).dropped());
        assertEquals(502, countOver10k(Settings.builder().duplicate(0.05)).duplicated());
        assertEquals(493, countOver10k(Settings.builder().reorder(0.05)).reordered());
        assertEquals(496, countOver10k(Settings.builder().corrupt(0.05)).corrupted());
    }

    private PacketFsImpairment countOver10k(Settings.Builder builder) {
        EmbeddedChannel ch = channel(builder.seed(42).build());
        PacketFsImpairment imp = impairment(ch);
        List<Integer> out = feedInbound(ch, 10_000);
        long events = imp.dropped() + imp.duplicated() + imp.reordered() + imp.corrupted();
        assertThat(events).isBetween(300L, 700L);
        assertEquals(10_000 - imp.dropped() + imp.duplicated(), imp.framesPassed() + imp.pending());
        assertEquals(imp.framesPassed(), out.size());
        assertFalse(ch.finish());
        return imp;
    }

    @Test
    void sameSeedSameOutputDifferentSeedDifferentOutput() {
        Settings.Builder mix = Settings.builder().loss(0.1).duplicate(0.1).reorder(0.1).reorderDepth(3).corrupt(0.1);
        List<String> a = mixedRun(mix.seed(77).build());
        List<String> b = mixedRun(mix.seed(77).build());
        List<String> c = mixedRun(mix.seed(78).build());
        assertEquals(a, b);
        assertThat(c).isNotEqualTo(a);
    }

    private List<String> mixedRun(Settings settings) {
        EmbeddedChannel ch = channel(settings);
        for (int i = 0; i < 2000; i++) {
            ch.writeInbound(frame(i));
        }
        List<String> out = new ArrayList<>();
        for (ByteBuf buf = ch.readInbound(); buf != null; buf = ch.readInbound()) {
            out.add(ByteBufUtil.hexDump(buf));
            buf.release();
        }
        assertFalse(ch.finish());
        return out;
    }

    @Test
    void delayHandsInboundFramesOnAfterTheDelayOnTheVirtualClock() {
        EmbeddedChannel ch = channel(Settings.builder().delayMillis(100).build());
        ch.freezeTime();
        ch.writeInbound(frame(0));
        ch.writeInbound(frame(1));
        assertNull(ch.readInbound());
        ch.advanceTimeBy(99, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertNull(ch.readInbound());
        assertEquals(2, impairment(ch).pending());
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertEquals(ids(0, 1), drainInbound(ch));
        assertEquals(2, impairment(ch).delayed());
        assertFalse(ch.finish());
    }

    @Test
    void delayedWriteCompletesItsPromiseAndIsFlushedWhenReleased() {
        EmbeddedChannel ch = channel(Settings.builder().delayMillis(50).direction(Direction.OUTBOUND).build());
        ch.freezeTime();
        ChannelFuture f = ch.writeAndFlush(frame(3));
        assertFalse(f.isDone());
        assertNull(ch.readOutbound());
        ch.advanceTimeBy(50, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(f.isSuccess());
        ByteBuf out = ch.readOutbound();
        assertEquals(3, out.getInt(0));
        out.release();
        assertFalse(ch.finish());
    }

    @Test
    void delayedFramesAreReleasedWhenTheChannelCloses() {
        EmbeddedChannel ch = channel(Settings.builder().delayMillis(1000).build());
        ch.freezeTime();
        ch.writeInbound(frame(0));
        ChannelFuture f = ch.writeAndFlush(frame(1));
        assertFalse(ch.finish());
        assertTrue(f.cause() instanceof ClosedChannelException);
    }

    @Test
    void otherMessagesAndTheOtherDirectionPassUntouched() {
        EmbeddedChannel ch = channel(Settings.builder().loss(1).direction(Direction.INBOUND).build());
        ch.writeInbound("not a frame");
        assertEquals("not a frame", ch.readInbound());
        ch.writeOutbound(frame(1));
        ByteBuf out = ch.readOutbound();
        assertTrue(out == fed.get(0));
        out.release();
        ch.writeInbound(frame(2));
        assertNull(ch.readInbound());
        assertEquals(1, impairment(ch).dropped());
        assertFalse(ch.finish());
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> Settings.builder().loss(1.5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("loss probability 1.5 (expected 0..1)");
        assertThatThrownBy(() -> Settings.builder().duplicate(-0.1).build())
                .hasMessage("duplicate probability -0.1 (expected 0..1)");
        assertThatThrownBy(() -> Settings.builder().reorder(Double.NaN).build())
                .hasMessage("reorder probability NaN (expected 0..1)");
        assertThatThrownBy(() -> Settings.builder().corrupt(2).build())
                .hasMessage("corrupt probability 2.0 (expected 0..1)");
        assertThatThrownBy(() -> Settings.builder().delayMillis(-1).build())
                .hasMessage("delayMillis -1 (expected >= 0)");
        assertThatThrownBy(() -> Settings.builder().reorderDepth(0).build())
                .hasMessage("reorderDepth 0 (expected >= 1)");
        assertThatThrownBy(() -> Settings.builder().direction(null).build())
                .isInstanceOf(NullPointerException.class).hasMessage("direction");
        Settings s = Settings.builder().loss(0).corrupt(1).delayMillis(0).seed(-5).build();
        assertEquals(-5, s.seed());
        assertTrue(s.isActive());
        assertFalse(Settings.NONE.isActive());
    }

    private static int differingBits(byte[] a, byte[] b) {
        int bits = 0;
        for (int i = 0; i < a.length; i++) {
            bits += Integer.bitCount((a[i] ^ b[i]) & 0xff);
        }
        return bits;
    }
}
