package io.packetfs.codec.reliability;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.packetfs.codec.internal.PacketFsConstants;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The STATUS and NACK flyweight (docs/PROTOCOL.md 9.2) on its own: the writers put every field at its offset, the
 * reader reads them back in place from any position, and the length checks refuse bodies too short for what they
 * announce.
 */
class FeedbackUnitsTest {

    private static final int TLV = PacketFsConstants.TLV_HEADER_LENGTH;

    @Test
    void aStatusIsWrittenAtItsOffsetsAndReadBackInPlace() {
        ByteBuf out = Unpooled.buffer().writeBytes(new byte[] {7, 7}); // something before it
        FeedbackUnits.writeStatus(out, 0x0A0B0C0D, 5, -1, 9);
        try {
            assertThat(ByteBufUtil.hexDump(out, 2, out.writerIndex() - 2))
                    .isEqualTo("f40010" + "0a0b0c0d" + "00000005" + "ffffffff" + "00000009");
            FeedbackUnits f = new FeedbackUnits().wrap(out, 2 + TLV, PacketFsConstants.STATUS_BODY_LENGTH);
            assertThat(f.isStatusLongEnough()).isTrue();
            assertThat(f.session()).isEqualTo(0x0A0B0C0D);
            assertThat(f.statusNext()).isEqualTo(5);
            assertThat(f.statusWindow()).isEqualTo(0xFFFFFFFFL); // unsigned
            assertThat(f.statusReceivedUpTo()).isEqualTo(9);
            assertThat(f.wrap(out, 2 + TLV, PacketFsConstants.STATUS_BODY_LENGTH - 1).isStatusLongEnough()).isFalse();
        } finally {
            out.release();
        }
    }

    @Test
    void aNackIsPatchedWhenFinishedAndItsRangesReadBack() {
        ByteBuf out = Unpooled.buffer();
        int start = FeedbackUnits.startNack(out, 42);
        FeedbackUnits.writeRange(out, 100, 3);
        FeedbackUnits.writeRange(out, -2, 0xFFFF); // sequence numbers wrap; counts are unsigned
        FeedbackUnits.finishNack(out, start, 2);
        try {
            int bodyLength = PacketFsConstants.NACK_HEADER_LENGTH + 2 * PacketFsConstants.NACK_RANGE_LENGTH;
            assertThat(out.readableBytes()).isEqualTo(TLV + bodyLength);
            assertThat(ByteBufUtil.hexDump(out)).isEqualTo("f20012" + "0000002a" + "0002"
                    + "00000064" + "0003" + "fffffffe" + "ffff");
            FeedbackUnits f = new FeedbackUnits().wrap(out, TLV, bodyLength);
            assertThat(f.isNackLongEnough()).isTrue();
            assertThat(f.session()).isEqualTo(42);
            assertThat(f.nackRanges()).isEqualTo(2);
            assertThat(f.rangeFirst(0)).isEqualTo(100);
            assertThat(f.rangeCount(0)).isEqualTo(3);
            assertThat(f.rangeFirst(1)).isEqualTo(-2);
            assertThat(f.rangeCount(1)).isEqualTo(0xFFFF);
            // a body that announces more ranges than it holds, or lacks its header, is refused
            assertThat(f.wrap(out, TLV, bodyLength - 1).isNackLongEnough()).isFalse();
            assertThat(f.wrap(out, TLV, PacketFsConstants.NACK_HEADER_LENGTH - 1).isNackLongEnough()).isFalse();
        } finally {
            out.release();
        }
    }

    @Test
    void theLargestFeedbackFrameHoldsEveryPart() {
        int ranges = 10;
        assertThat(FeedbackUnits.maxFrameLength(ranges)).isEqualTo(PacketFsConstants.HEADER_LENGTH
                + TLV + PacketFsConstants.NACK_HEADER_LENGTH + ranges * PacketFsConstants.NACK_RANGE_LENGTH
                + TLV + PacketFsConstants.STATUS_BODY_LENGTH + PacketFsConstants.RELIABLE_TRAILER_LENGTH);
    }
}
