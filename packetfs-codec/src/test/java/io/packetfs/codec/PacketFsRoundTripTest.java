package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Seeded random streams of mixed-tier runs through the whole sending pipeline (SYNC inserter, tier encoder) and the
 * whole receiving pipeline (tier decoder, CRC checker, window validator): every reference arrives, in order, and
 * every window validates. One corrupted frame costs exactly its window.
 */
class PacketFsRoundTripTest {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        long[] seeds = {1, 7, 2024};
        int[] windows = {0, 3, 8, 16};
        int s = 0;
        for (long seed : seeds) {
            for (int pow2 : windows) {
                boolean crc = (s++ & 1) == 0;
                int maxFrame = s % 3 == 0 ? 64 : 1500;
                cases.add(Arguments.of(seed, pow2, crc, maxFrame));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "seed={0} window_pow2={1} crc={2} max_frame={3}")
    @MethodSource("cases")
    void everyReferenceArrivesAndEveryWindowValidates(long seed, int windowPow2, boolean crc, int maxFrame) {
        PacketFsConfig config = PacketFsConfig.builder().windowPow2(windowPow2).crcEnabled(crc)
                .maxFrameLength(maxFrame).build();
        Random random = new Random(seed);
        PacketFsSyncInserter inserter = new PacketFsSyncInserter(config);
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(config), inserter);
        List<Integer> sent = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            PacketFsTier tier = PacketFsTier.values()[random.nextInt(3)];
            int[] refs = new int[1 + random.nextInt(random.nextBoolean() ? 8 : 300)];
            for (int j = 0; j < refs.length; j++) {
                refs[j] = (int) (random.nextLong() & tier.maxRef());
                sent.add(refs[j]);
            }
            tx.write(PacketFsRefs.pack(tx.alloc(), tier, refs, 0, refs.length));
            if (random.nextInt(10) == 0) {
                tx.flush();
            }
        }
        tx.write(PacketFsCloseWindow.INSTANCE);
        tx.flush();
        List<ByteBuf> frames = PacketFsTierEncoderTest.drain(tx);
        assertFalse(tx.finish());

        PacketFsTierDecoder decoder = new PacketFsTierDecoder(config);
        PacketFsCrcWindowChecker checker = new PacketFsCrcWindowChecker();
        PacketFsSyncValidator validator = new PacketFsSyncValidator(config);
        EventRecorder recorder = new EventRecorder();
        EmbeddedChannel rx = new EmbeddedChannel(decoder, checker, validator, recorder);
        for (ByteBuf frame : frames) {
            assertThat(frame.readableBytes()).isLessThanOrEqualTo(maxFrame);
            rx.writeInbound(frame);
            assertEquals(0, frame.refCnt());
        }
        assertThat(recorder.errors).isEmpty();
        assertEquals(sent, recorder.refs);
        assertEquals(inserter.syncsEmitted(), validator.windowsValid());
        assertEquals(PacketFsDecoderState.SYNCHRONIZED, validator.state());
        assertEquals(0, decoder.framesMissing());
        if (crc) {
            assertEquals(inserter.syncsEmitted(), checker.windowsChecked());
        }
        assertFalse(rx.finish());
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("corruptionSeeds")
    void aCorruptedReferenceByteFailsItsWindowOnly(long seed) {
        PacketFsConfig config = PacketFsConfig.builder().windowPow2(6).crcEnabled(true).maxFrameLength(200).build();
        Random random = new Random(seed);
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(config), new PacketFsSyncInserter(config));
        int[] refs = new int[64 * 20];
        for (int i = 0; i < refs.length; i++) {
            refs[i] = random.nextInt();
        }
        tx.write(PacketFsRefs.pack(tx.alloc(), PacketFsTier.L3, refs, 0, refs.length));
        tx.flush();
        List<ByteBuf> frames = PacketFsTierEncoderTest.drain(tx);
        assertFalse(tx.finish());
        // flip one bit of one reference byte: frame 5, past its header and run header
        ByteBuf victim = frames.get(5);
        int at = victim.readerIndex() + 8 + 2 + random.nextInt(4 * 10);
        victim.setByte(at, victim.getByte(at) ^ (1 << random.nextInt(8)));

        PacketFsCrcWindowChecker checker = new PacketFsCrcWindowChecker();
        PacketFsSyncValidator validator = new PacketFsSyncValidator(config);
        EventRecorder recorder = new EventRecorder();
        EmbeddedChannel rx = new EmbeddedChannel(new PacketFsTierDecoder(config), checker, validator, recorder);
        frames.forEach(rx::writeInbound);
        assertEquals(1, checker.crcErrors());
        assertEquals(19, validator.windowsValid());
        assertThat(recorder.errors).singleElement().isInstanceOf(PacketFsCrcException.class);
        assertEquals(PacketFsDecoderState.SYNCHRONIZED, validator.state());
        assertFalse(rx.finish());
    }

    static Stream<Long> corruptionSeeds() {
        return Stream.of(3L, 4L, 5L, 6L, 8L);
    }
}
