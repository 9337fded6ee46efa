package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Bit-packing efficiency (reference bits / frame bits) of homogeneous 1,500-byte frames, as docs/PROTOCOL.md states:
 * the encoder fills a 1,500-byte frame with one run, and the share of reference bits meets the floor.
 */
class PacketFsEfficiencyTest {

    @ParameterizedTest(name = "{0}: {1} refs per frame, at least {2}%")
    @CsvSource({"L1, 1490, 98.0", "L2, 745, 98.0", "L3, 372, 99.0"})
    void homogeneousFrameOf1500Bytes(PacketFsTier tier, int refsPerFrame, double floorPercent) {
        PacketFsConfig config = PacketFsConfig.builder().crcEnabled(false).maxFrameLength(1500).build();
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(config));
        int[] refs = new int[refsPerFrame * 3];
        tx.write(PacketFsRefs.pack(tx.alloc(), tier, refs, 0, refs.length));
        tx.flush();
        List<ByteBuf> frames = PacketFsTierEncoderTest.drain(tx);
        assertEquals(3, frames.size(), "each frame holds exactly " + refsPerFrame + " references");
        for (ByteBuf frame : frames) {
            assertThat(frame.readableBytes()).isLessThanOrEqualTo(1500);
            double efficiency = 100.0 * refsPerFrame * tier.bits() / (1500 * 8);
            assertThat(efficiency).isGreaterThanOrEqualTo(floorPercent);
            frame.release();
        }
        assertFalse(tx.finish());
    }
}
