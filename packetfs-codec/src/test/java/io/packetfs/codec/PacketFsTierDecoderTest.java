package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class PacketFsTierDecoderTest {

    private static final PacketFsConfig CONFIG = PacketFsConfig.builder().windowPow2(4).crcEnabled(true).build();
    private static final byte[] VALID = ProtocolVectors.hex("18 04 000D 00000000 | 0002 41 42 43");

    @Test
    void decodedRunsAreSlicesOfTheFrameAndReleaseIt() {
        EmbeddedChannel rx = new EmbeddedChannel(new PacketFsTierDecoder(CONFIG));
        ByteBuf frame = Unpooled.directBuffer().writeBytes(VALID);
        rx.writeInbound(frame);
        PacketFsRefs refs = rx.readInbound();
        assertEquals(3, refs.count());
        assertEquals(0x42, refs.ref(1));
        assertEquals(1, frame.refCnt(), "the run holds the frame");
        refs.release();
        assertEquals(0, frame.refCnt());
        assertFalse(rx.finish());
    }

    @Test
    void refusesAFrameLongerThanTheConfiguredMaximum() {
        PacketFsConfig small = CONFIG.toBuilder().maxFrameLength(64).build();
        EventRecorder recorder = new EventRecorder();
        EmbeddedChannel rx = new EmbeddedChannel(new PacketFsTierDecoder(small), recorder);
        ByteBuf frame = Unpooled.buffer().writeBytes(ProtocolVectors.hex("18 04 0041 00000000")).writeZero(57);
        rx.writeInbound(frame);
        assertEquals(List.of("ERROR BAD_FRAME_LENGTH"), recorder.events);
        assertEquals(0, frame.refCnt());
        assertFalse(rx.finish());
    }

    @Test
    void refusesReservedFlags() {
        EventRecorder recorder = new EventRecorder();
        EmbeddedChannel rx = new EmbeddedChannel(new PacketFsTierDecoder(CONFIG), recorder);
        rx.writeInbound(Unpooled.wrappedBuffer(ProtocolVectors.hex("19 04 000D 00000000 | 0002 41 42 43")));
        assertEquals(List.of("ERROR RESERVED_FLAGS"), recorder.events);
        assertThat(recorder.errors.get(0)).hasMessageContaining("reserved flag bits 0x1");
        assertFalse(rx.finish());
    }

    @Test
    void countsSequenceGapsAndLateFrames() {
        PacketFsTierDecoder decoder = new PacketFsTierDecoder(CONFIG);
        EventRecorder recorder = new EventRecorder();
        EmbeddedChannel rx = new EmbeddedChannel(decoder, recorder);
        for (int seq : new int[] {0, 1, 4, 2, 5}) {
            byte[] f = VALID.clone();
            f[7] = (byte) seq;
            rx.writeInbound(Unpooled.wrappedBuffer(f));
        }
        assertEquals(5, decoder.framesDecoded());
        assertEquals(2, decoder.framesMissing(), "2 and 3 were missing when 4 arrived");
        assertEquals(1, decoder.framesLate(), "2 arrived after 4");
        assertEquals(15, decoder.refsDecoded());
        assertFalse(rx.finish());
    }

    /**
     * Garbage never escapes as anything but a PacketFsException, never leaks, and the next valid frame still
     * decodes. Inputs are seeded random bytes, valid frames with random bytes flipped, and valid frames cut short.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1337})
    void survivesGarbageAndKeepsDecoding(long seed) {
        Random random = new Random(seed);
        PacketFsTierDecoder decoder = new PacketFsTierDecoder(CONFIG);
        EventRecorder recorder = new EventRecorder();
        EmbeddedChannel rx = new EmbeddedChannel(decoder, recorder);
        byte[] longValid = validFrame(random);
        for (int i = 0; i < 2000; i++) {
            byte[] input;
            switch (i % 3) {
                case 0:
                    input = new byte[random.nextInt(80)];
                    random.nextBytes(input);
                    if (input.length > 1 && random.nextBoolean()) {
                        input[0] = 0x18; // get past the version check more often
                        input[1] = 0x04;
                    }
                    break;
                case 1:
                    input = longValid.clone();
                    for (int k = 0; k < 1 + random.nextInt(4); k++) {
                        input[random.nextInt(input.length)] ^= (byte) (1 << random.nextInt(8));
                    }
                    break;
                default:
                    input = java.util.Arrays.copyOf(longValid, random.nextInt(longValid.length));
                    break;
            }
            ByteBuf buf = Unpooled.buffer(input.length + 1).writeBytes(input);
            rx.writeInbound(buf);
            assertEquals(0, buf.refCnt());
        }
        for (Throwable t : recorder.errors) {
            assertThat(t).isInstanceOf(PacketFsException.class);
        }
        assertThat(decoder.framesDropped()).isGreaterThan(0);
        int before = recorder.events.size();
        rx.writeInbound(Unpooled.wrappedBuffer(VALID));
        assertEquals("REFS L1 41 42 43", recorder.events.get(before));
        assertFalse(rx.finish());
    }

    private static byte[] validFrame(Random random) {
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(CONFIG), new PacketFsSyncInserter(CONFIG));
        for (PacketFsTier tier : PacketFsTier.values()) {
            int[] refs = new int[20];
            for (int i = 0; i < refs.length; i++) {
                refs[i] = (int) (random.nextLong() & tier.maxRef());
            }
            tx.write(PacketFsRefs.pack(tx.alloc(), tier, refs, 0, refs.length));
        }
        tx.write(PacketFsCloseWindow.INSTANCE);
        tx.flush();
        ByteBuf frame = tx.readOutbound();
        byte[] bytes = new byte[frame.readableBytes()];
        frame.readBytes(bytes);
        frame.release();
        assertFalse(tx.finish());
        return bytes;
    }
}
