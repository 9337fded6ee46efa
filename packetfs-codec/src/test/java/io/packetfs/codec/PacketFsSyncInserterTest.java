package io.packetfs.codec;

import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.packetfs.codec.PacketFsEncoderState.ACCUMULATING;
import static io.packetfs.codec.PacketFsEncoderState.ENCODING;
import static io.packetfs.codec.PacketFsEncoderState.INITIALIZED;
import static io.packetfs.codec.PacketFsEncoderState.SYNC_READY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacketFsSyncInserterTest {

    private static final PacketFsConfig W4_CRC = PacketFsConfig.builder().windowPow2(2).crcEnabled(true).build();
    private static final PacketFsConfig W1 = PacketFsConfig.builder().windowPow2(0).crcEnabled(false).build();

    @Test
    void followsTheSeedsEncoderStateMachine() {
        List<String> transitions = new ArrayList<>();
        PacketFsSyncInserter inserter = new PacketFsSyncInserter(W4_CRC, 0, (from, to) -> transitions.add(from + ">" + to));
        EmbeddedChannel tx = new EmbeddedChannel(inserter);
        assertEquals(INITIALIZED, inserter.state());

        tx.writeOutbound(refs(tx, 1, 2));          // stays inside window 0
        assertEquals(List.of("INITIALIZED>ACCUMULATING", "ACCUMULATING>ENCODING", "ENCODING>ACCUMULATING"),
                transitions);
        transitions.clear();

        tx.writeOutbound(refs(tx, 3, 4, 5));       // crosses the boundary after 4
        assertEquals(List.of("ACCUMULATING>ENCODING", "ENCODING>SYNC_READY", "SYNC_READY>ACCUMULATING",
                "ACCUMULATING>ENCODING", "ENCODING>ACCUMULATING"), transitions);
        assertEquals(ACCUMULATING, inserter.state());
        assertEquals(List.of("REFS L1 01 02", "REFS L1 03 04", "SYNC 0000 CRC 89C3", "REFS L1 05"), drain(tx));
        assertEquals(1, inserter.refsInWindow());
        assertEquals(5, inserter.totalRefs());
        assertFalse(tx.finish());
    }

    @Test
    void splitsARunThatSpansSeveralWindows() {
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsSyncInserter(W4_CRC));
        tx.writeOutbound(refs(tx, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        List<String> out = drain(tx);
        assertEquals(5, out.size());
        assertEquals("REFS L1 01 02 03 04", out.get(0));
        assertEquals("SYNC 0000 CRC 89C3", out.get(1));
        assertEquals("REFS L1 05 06 07 08", out.get(2));
        assertEquals(String.format("SYNC 0001 CRC %04X", PacketFsCrc16.compute(new byte[] {5, 6, 7, 8})), out.get(3));
        assertEquals("REFS L1 09", out.get(4));
        assertFalse(tx.finish());
    }

    @Test
    void windowIdRollsOverAndReferenceCountersKeepCounting() {
        PacketFsSyncInserter inserter = new PacketFsSyncInserter(W1);
        EmbeddedChannel tx = new EmbeddedChannel(inserter);
        int n = 65_536 + 3;
        int[] values = new int[n];
        tx.writeOutbound(PacketFsRefs.pack(tx.alloc(), PacketFsTier.L1, values, 0, n));
        int syncs = 0;
        int lastId = -1;
        for (Object o; (o = tx.readOutbound()) != null; ) {
            if (o instanceof PacketFsSync) {
                int id = ((PacketFsSync) o).windowId();
                assertEquals((lastId + 1) & 0xFFFF, id);
                lastId = id;
                syncs++;
            }
            ReferenceCountUtil.release(o);
        }
        assertEquals(n, syncs);
        assertEquals(2, lastId, "0xFFFF rolled over to 0, 1, 2");
        assertEquals(3, inserter.nextWindowId());
        assertEquals(n, inserter.totalRefs());
        assertEquals(n, inserter.syncsEmitted());
        assertFalse(tx.finish());
    }

    @Test
    void startsAtAGivenWindowAndRollsOver() {
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsSyncInserter(W1, 0xFFFF, null));
        tx.writeOutbound(refs(tx, 7, 8));
        assertEquals(List.of("REFS L1 07", "SYNC FFFF", "REFS L1 08", "SYNC 0000"), drain(tx));
        assertFalse(tx.finish());
    }

    @Test
    void closeWindowEmitsAShortWindowOnlyWhenItHasReferences() {
        PacketFsSyncInserter inserter = new PacketFsSyncInserter(W4_CRC);
        EmbeddedChannel tx = new EmbeddedChannel(inserter);
        ChannelFuture empty = tx.writeOneOutbound(PacketFsCloseWindow.INSTANCE);
        assertTrue(empty.isSuccess());
        tx.writeOutbound(refs(tx, 1));
        ChannelFuture close = tx.writeOneOutbound(PacketFsCloseWindow.INSTANCE);
        tx.flushOutbound();
        assertTrue(close.isSuccess());
        assertEquals(List.of("REFS L1 01", String.format("SYNC 0000 CRC %04X",
                PacketFsCrc16.compute(new byte[] {1}))), drain(tx));
        assertEquals(0, inserter.refsInWindow());
        assertEquals(ACCUMULATING, inserter.state());
        assertFalse(tx.finish());
    }

    @Test
    void passesOtherMessagesThrough() {
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsSyncInserter(W4_CRC));
        tx.writeOutbound("hello");
        assertEquals("hello", tx.readOutbound());
        assertNull(tx.readOutbound());
        assertFalse(tx.finish());
    }

    @Test
    void encoderStatesAreTheSeeds() {
        assertEquals(List.of(INITIALIZED, ACCUMULATING, ENCODING, SYNC_READY),
                List.of(PacketFsEncoderState.values()));
    }

    @Test
    void aVoidPromiseAcrossWindowsGivesTheSameUnitsAsARealOne() {
        EmbeddedChannel real = new EmbeddedChannel(new PacketFsSyncInserter(W4_CRC));
        EmbeddedChannel quiet = new EmbeddedChannel(new PacketFsSyncInserter(W4_CRC));
        ChannelFuture refsDone = real.writeAndFlush(refs(real, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        quiet.writeAndFlush(refs(quiet, 1, 2, 3, 4, 5, 6, 7, 8, 9), quiet.voidPromise());
        ChannelFuture copyDone = real.writeAndFlush(new PacketFsCopyUnit(
                io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {0x41, 0x42, 0x43})));
        quiet.writeAndFlush(new PacketFsCopyUnit(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {0x41, 0x42, 0x43})),
                quiet.voidPromise());
        assertTrue(refsDone.isSuccess());
        assertTrue(copyDone.isSuccess());
        List<String> expected = drain(real);
        assertEquals(expected, drain(quiet));
        assertEquals(7, expected.size(), "two SYNC units after the split run, one after the COPY unit: " + expected);
        assertTrue(expected.get(6).startsWith("SYNC 0002"), expected.toString());
        assertFalse(real.finish());
        assertFalse(quiet.finish());
    }

    static PacketFsRefs refs(EmbeddedChannel ch, int... values) {
        return PacketFsRefs.pack(ch.alloc(), PacketFsTier.L1, values, 0, values.length);
    }

    /** Outbound messages in the vector vocabulary; releases them and checks nothing leaks. */
    static List<String> drain(EmbeddedChannel ch) {
        EventRecorder recorder = new EventRecorder();
        List<PacketFsRefs> pieces = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof PacketFsRefs) {
                pieces.add((PacketFsRefs) o);
            }
            recorder.channelRead(null, o);
        }
        for (PacketFsRefs piece : pieces) {
            assertEquals(0, piece.refCnt(), "every piece of a split run is released with the run");
        }
        return recorder.events;
    }
}
