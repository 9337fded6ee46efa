package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacketFsTierEncoderTest {

    private static final PacketFsConfig SMALL = PacketFsConfig.builder().crcEnabled(false).maxFrameLength(64).build();

    @Test
    void splitsALongRunAcrossFramesThatNeverExceedTheMaximum() {
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(SMALL));
        int[] refs = new Random(7).ints(100).toArray();
        ChannelFuture f = tx.writeOneOutbound(PacketFsRefs.pack(tx.alloc(), PacketFsTier.L3, refs, 0, refs.length));
        assertFalse(f.isDone(), "promise completes when the frame holding the run's tail is written");
        tx.flushOutbound();
        assertTrue(f.isSuccess());

        List<ByteBuf> frames = drain(tx);
        // 64-byte frames: 8 header + 2 run header + 13 L3 refs (52 bytes) = 62 bytes
        assertEquals(8, frames.size());
        int seq = 0;
        for (ByteBuf frame : frames) {
            assertThat(frame.readableBytes()).isLessThanOrEqualTo(64);
            assertEquals(frame.readableBytes(), frame.getUnsignedShort(2), "frame length field");
            assertEquals(seq++, frame.getInt(4), "sequence numbers count frames");
        }
        assertEquals(refs.length, decodeRefs(SMALL, frames).size());
        assertFalse(tx.finish());
    }

    @Test
    void roundTripsTheReferencesExactly() {
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(SMALL));
        Random random = new Random(11);
        List<Integer> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            PacketFsTier tier = PacketFsTier.values()[random.nextInt(3)];
            int[] refs = new int[1 + random.nextInt(40)];
            for (int j = 0; j < refs.length; j++) {
                refs[j] = (int) (random.nextLong() & tier.maxRef());
                sent.add(refs[j]);
            }
            tx.write(PacketFsRefs.pack(tx.alloc(), tier, refs, 0, refs.length));
        }
        tx.flush();
        assertEquals(sent, decodeRefs(SMALL, drain(tx)));
        assertFalse(tx.finish());
    }

    @Test
    void refusesASyncThatDisagreesWithTheConfiguration() {
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(SMALL));
        ChannelFuture f = tx.writeOneOutbound(PacketFsSync.withCrc(1, 0x1234));
        assertFalse(f.isSuccess());
        assertThat(f.cause()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crc=off");
        tx.flushOutbound();
        assertNull(tx.readOutbound());
        assertFalse(tx.finish());
    }

    @Test
    void passesOtherMessagesThroughAndFlushesNothingWhenEmpty() {
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(SMALL));
        ByteBuf other = Unpooled.wrappedBuffer(new byte[] {1, 2});
        assertTrue(tx.writeOutbound(other));
        ByteBuf out = tx.readOutbound();
        assertEquals(other, out);
        out.release();
        tx.flushOutbound();
        assertNull(tx.readOutbound());
        assertFalse(tx.finish());
    }

    @Test
    void releasesTheOpenFrameAndFailsPendingWritesWhenRemoved() {
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(SMALL));
        PacketFsRefs refs = PacketFsRefs.pack(tx.alloc(), PacketFsTier.L1, new int[] {1, 2, 3}, 0, 3);
        ChannelFuture f = tx.writeOneOutbound(refs);
        assertEquals(0, refs.refCnt(), "the encoder copied and released the run");
        tx.pipeline().removeFirst();
        assertTrue(f.isDone());
        assertFalse(f.isSuccess());
        assertFalse(tx.finish());
    }

    @Test
    void reportsCounters() {
        PacketFsTierEncoder encoder = new PacketFsTierEncoder(SMALL);
        EmbeddedChannel tx = new EmbeddedChannel(encoder);
        tx.writeOutbound(PacketFsRefs.pack(tx.alloc(), PacketFsTier.L2, new int[] {1, 2, 3}, 0, 3));
        assertEquals(1, encoder.framesEncoded());
        assertEquals(3, encoder.refsEncoded());
        drain(tx).forEach(ByteBuf::release);
        assertFalse(tx.finish());
    }

    static List<ByteBuf> drain(EmbeddedChannel ch) {
        List<ByteBuf> out = new ArrayList<>();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            out.add(b);
        }
        return out;
    }

    /** Decodes frames (releasing them) and returns every reference. */
    static List<Integer> decodeRefs(PacketFsConfig config, List<ByteBuf> frames) {
        EventRecorder recorder = new EventRecorder();
        EmbeddedChannel rx = new EmbeddedChannel(new PacketFsTierDecoder(config), recorder);
        for (ByteBuf frame : frames) {
            rx.writeInbound(frame);
            assertEquals(0, frame.refCnt());
        }
        assertThat(recorder.errors).isEmpty();
        assertFalse(rx.finish());
        return recorder.refs;
    }
}
