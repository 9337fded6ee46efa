package io.packetfs.examples;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsSync;
import io.packetfs.codec.PacketFsTier;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The bench rows put on the wire what their descriptions say, and decode cleanly through the whole codec. */
class BenchWorkloadTest {

    @Test
    void l1FramesCarry64ReferencesAndTheWindowsSyncUnitFollowsEvery1024Frames() {
        List<ByteBuf> frames = BenchWorkload.of("L1", 1).frames(1025);
        try {
            for (int i = 0; i < 1024; i++) {
                assertEquals(74, frames.get(i).readableBytes(), "frame " + i);
            }
            assertEquals(8 + 5, frames.get(1024).readableBytes()); // header + SYNC with CRC
            long frameBits = frames.stream().limit(1025).mapToLong(ByteBuf::readableBytes).sum() * 8;
            double efficiency = 1024 * 64 * 8.0 / frameBits;
            assertThat(efficiency).isEqualTo(64 * 8 * 1024.0 / ((1024 * 74 + 13) * 8));
        } finally {
            frames.forEach(ByteBuf::release);
        }
    }

    @Test
    void l2AndL3FramesCarry256BytesAnd1KiBOfReferences() {
        assertFrameSizes("L2", 128, 2 + 256 + 8);
        assertFrameSizes("L3", 64, 2 + 1024 + 8);
    }

    private static void assertFrameSizes(String id, int n, int size) {
        List<ByteBuf> frames = BenchWorkload.of(id, 1).frames(n);
        try {
            assertThat(frames).hasSizeGreaterThanOrEqualTo(n).allMatch(f -> f.readableBytes() == size);
        } finally {
            frames.forEach(ByteBuf::release);
        }
    }

    @Test
    void theStressFramesSwitchTiersInsideSmallFramesAndCloseAWindowEvery64References() {
        BenchWorkload w = BenchWorkload.of("stress", 1);
        List<ByteBuf> frames = w.frames(400);
        EmbeddedChannel rx = new EmbeddedChannel();
        PacketFsPipelines.addCodec(rx.pipeline(), w.config);
        Expected expected = new Expected(w);
        long refs = 0;
        long syncs = 0;
        Set<PacketFsTier> tiers = EnumSet.noneOf(PacketFsTier.class);
        try {
            assertThat(frames).allMatch(f -> f.readableBytes() <= 128);
            for (ByteBuf f : frames) {
                rx.writeInbound(f.retain());
                for (Object o = rx.readInbound(); o != null; o = rx.readInbound()) {
                    if (o instanceof PacketFsRefs) {
                        PacketFsRefs run = (PacketFsRefs) o;
                        try {
                            for (int j = 0; j < run.count(); j++) {
                                expected.check(run.tier(), run.ref(j), refs + j);
                            }
                        } finally {
                            refs += run.count();
                            tiers.add(run.tier());
                            run.release();
                        }
                    } else if (o instanceof PacketFsSync) {
                        assertEquals(PacketFsSync.CrcStatus.MATCH, ((PacketFsSync) o).status());
                        syncs++;
                    }
                }
                assertEquals(1, f.refCnt()); // the decoded runs were slices of the frame, all released
            }
            rx.checkException();
            assertFalse(rx.finish());
        } finally {
            frames.forEach(ByteBuf::release);
            rx.finishAndReleaseAll();
        }
        assertThat(refs).isGreaterThan(400 * 20);
        assertThat(tiers).containsExactlyInAnyOrder(PacketFsTier.values());
        assertEquals(refs / 64, syncs);
    }

    /** The schedule's references in stream order. */
    private static final class Expected {
        private final BenchWorkload w;
        private int message;
        private int run;
        private int index;

        Expected(BenchWorkload w) {
            this.w = w;
        }

        void check(PacketFsTier tier, int ref, long position) {
            int m = message & (w.messages() - 1);
            assertEquals(w.tiers[m][run], tier, "tier of reference " + position);
            assertEquals(w.refs[m][run][index], ref, "reference " + position);
            if (++index == w.refs[m][run].length) {
                index = 0;
                if (++run == w.refs[m].length) {
                    run = 0;
                    message++;
                }
            }
        }
    }

    @Test
    void anUnknownRowIsRefusedWithTheNamesThatExist() {
        assertThatThrownBy(() -> BenchWorkload.of("L4", 1)).hasMessageContaining("unknown row 'L4'")
                .hasMessageContaining("L1, L2, L3, stress");
    }
}
