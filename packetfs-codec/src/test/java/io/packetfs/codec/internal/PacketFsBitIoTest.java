package io.packetfs.codec.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link PacketFsBitWriter} and {@link PacketFsBitReader}: MSB-first fields of 1 to 32 bits (docs/PROTOCOL.md
 * section 1), padding, alignment, and the reader's region bounds.
 */
class PacketFsBitIoTest {

    private static final byte SENTINEL = (byte) 0xA5;

    private static void release(ByteBuf buf) {
        assertThat(buf.release()).isTrue();
        assertThat(buf.refCnt()).isZero();
    }

    private static int mask(int width) {
        return (int) (0xFFFF_FFFFL >>> (32 - width));
    }

    /** Reference writer: one bit at a time into a boolean-free bit array. */
    private static byte[] referenceBits(int[] values, int[] widths) {
        long total = 0;
        for (int w : widths) {
            total += w;
        }
        byte[] out = new byte[(int) ((total + 7) / 8)];
        long bit = 0;
        for (int i = 0; i < values.length; i++) {
            for (int b = widths[i] - 1; b >= 0; b--) {
                if (((values[i] >>> b) & 1) != 0) {
                    out[(int) (bit >>> 3)] |= (byte) (0x80 >>> (bit & 7));
                }
                bit++;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ writer

    @Test
    void documentedExample() {
        ByteBuf buf = Unpooled.buffer();
        try {
            PacketFsBitWriter w = new PacketFsBitWriter().reset(buf);
            w.writeBits(0b10, 2);
            w.writeBits(5, 14);
            assertThat(w.bitsWritten()).isEqualTo(16);
            assertThat(w.isByteAligned()).isTrue();
            assertThat(w.flush()).isZero();
            assertThat(ByteBufUtil.getBytes(buf)).containsExactly(0x80, 0x05);

            PacketFsBitReader r = new PacketFsBitReader().reset(buf, 0, 2);
            assertThat(r.readBits(2)).isEqualTo(0b10);
            assertThat(r.readBits(14)).isEqualTo(5);
            assertThat(r.bitsRemaining()).isZero();
        } finally {
            release(buf);
        }
    }

    @Test
    void runHeaderLayout() {
        // PROTOCOL.md V2 run header: tier 01, count - 1 = 2 -> 0x4002.
        ByteBuf buf = Unpooled.buffer();
        try {
            PacketFsBitWriter w = new PacketFsBitWriter().reset(buf);
            w.writeBits(PacketFsTier.L2.code(), 2);
            w.writeBits(2, 14);
            w.flush();
            assertThat(ByteBufUtil.hexDump(buf)).isEqualTo("4002");
        } finally {
            release(buf);
        }
    }

    @Test
    void writerOnlyKeepsTheLowBitsOfTheValue() {
        ByteBuf buf = Unpooled.buffer();
        try {
            PacketFsBitWriter w = new PacketFsBitWriter().reset(buf);
            w.writeBits(0xFFFF_FFF0, 4);   // only 0000 is written
            w.writeBits(-1, 4);            // 1111
            w.writeBits(0x1_23, 8);        // 0x23
            w.flush();
            assertThat(ByteBufUtil.hexDump(buf)).isEqualTo("0f23");
        } finally {
            release(buf);
        }
    }

    @Test
    void flushPadsWithZeroBitsAndReturnsThePadCount() {
        for (int bits = 1; bits <= 40; bits++) {
            ByteBuf buf = Unpooled.buffer();
            try {
                PacketFsBitWriter w = new PacketFsBitWriter().reset(buf);
                long written = 0;
                int left = bits;
                while (left > 0) {
                    int n = Math.min(left, 7);
                    w.writeBits(-1, n);       // all ones, so padding zeros are visible
                    written += n;
                    left -= n;
                }
                assertThat(w.bitsWritten()).isEqualTo(written);
                assertThat(w.isByteAligned()).isEqualTo(bits % 8 == 0);
                int expectedPad = (8 - bits % 8) % 8;
                assertThat(w.flush()).as("bits %d", bits).isEqualTo(expectedPad);
                assertThat(w.isByteAligned()).isTrue();
                assertThat(w.bitsWritten()).isEqualTo(written + expectedPad);
                assertThat(buf.readableBytes()).isEqualTo((bits + 7) / 8);
                byte last = buf.getByte(buf.writerIndex() - 1);
                int lastByteOnes = bits % 8 == 0 ? 8 : bits % 8;
                assertThat(last & 0xFF).isEqualTo((0xFF << (8 - lastByteOnes)) & 0xFF);
                for (int i = 0; i < buf.writerIndex() - 1; i++) {
                    assertThat(buf.getByte(i)).isEqualTo((byte) 0xFF);
                }
                // A second flush has nothing left to pad or write.
                assertThat(w.flush()).isZero();
                assertThat(buf.readableBytes()).isEqualTo((bits + 7) / 8);
            } finally {
                release(buf);
            }
        }
    }

    @Test
    void isByteAlignedTracksEveryWidth() {
        ByteBuf buf = Unpooled.buffer();
        try {
            PacketFsBitWriter w = new PacketFsBitWriter().reset(buf);
            assertThat(w.isByteAligned()).isTrue();
            assertThat(w.bitsWritten()).isZero();
            long total = 0;
            Random rnd = new Random(17);
            for (int i = 0; i < 500; i++) {
                int n = 1 + rnd.nextInt(32);
                w.writeBits(rnd.nextInt(), n);
                total += n;
                assertThat(w.bitsWritten()).isEqualTo(total);
                assertThat(w.isByteAligned()).isEqualTo(total % 8 == 0);
            }
        } finally {
            release(buf);
        }
    }

    @Test
    void writerAppendsAtWriterIndexAndResetStartsOver() {
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeBytes(new byte[] {1, 2, 3});
            PacketFsBitWriter w = new PacketFsBitWriter().reset(buf);
            w.writeBits(0xABCDEF01, 32);
            w.writeBits(1, 1);
            assertThat(w.flush()).isEqualTo(7);
            assertThat(ByteBufUtil.hexDump(buf)).isEqualTo("010203abcdef0180");

            w.reset(buf);
            assertThat(w.bitsWritten()).isZero();
            assertThat(w.isByteAligned()).isTrue();
            w.writeBits(0x3, 2);
            w.flush();
            assertThat(ByteBufUtil.hexDump(buf)).isEqualTo("010203abcdef0180c0");
        } finally {
            release(buf);
        }
    }

    @Test
    void widthZeroOrThirtyThreeIsRefused() {
        ByteBuf buf = Unpooled.buffer();
        try {
            PacketFsBitWriter w = new PacketFsBitWriter().reset(buf);
            for (int n : new int[] {0, 33, -1, 64}) {
                assertThatThrownBy(() -> w.writeBits(1, n)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(Integer.toString(n));
            }
            assertThat(w.bitsWritten()).isZero();
            assertThat(w.flush()).isZero();
            assertThat(buf.writerIndex()).isZero();

            buf.writeInt(0x12345678);
            PacketFsBitReader r = new PacketFsBitReader().reset(buf, 0, 4);
            for (int n : new int[] {0, 33, -1, 64}) {
                assertThatThrownBy(() -> r.readBits(n)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(Integer.toString(n));
            }
            assertThat(r.bitsRemaining()).isEqualTo(32);
            assertThat(r.readBits(32)).isEqualTo(0x12345678);
        } finally {
            release(buf);
        }
    }

    // ------------------------------------------------------------------ round trip

    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 3L, 0xFEEDL, 123_456_789L, -7L})
    void randomSequencesRoundTrip(long seed) {
        Random rnd = new Random(seed);
        for (int round = 0; round < 50; round++) {
            int count = rnd.nextInt(300);
            int[] values = new int[count];
            int[] widths = new int[count];
            long total = 0;
            for (int i = 0; i < count; i++) {
                widths[i] = 1 + rnd.nextInt(32);
                // Full random ints: the writer must ignore the bits above the width.
                values[i] = rnd.nextInt();
                total += widths[i];
            }
            boolean direct = (round & 1) == 1;
            ByteBuf buf = direct ? Unpooled.directBuffer(4) : Unpooled.buffer(4);
            try {
                int prefix = rnd.nextInt(5);
                buf.writeZero(prefix);
                PacketFsBitWriter w = new PacketFsBitWriter().reset(buf);
                for (int i = 0; i < count; i++) {
                    w.writeBits(values[i], widths[i]);
                }
                assertThat(w.bitsWritten()).isEqualTo(total);
                int pad = w.flush();
                assertThat(pad).isEqualTo((int) ((8 - total % 8) % 8));
                int bytes = (int) ((total + 7) / 8);
                assertThat(buf.writerIndex()).isEqualTo(prefix + bytes);

                byte[] expected = referenceBits(values, widths);
                byte[] actual = new byte[bytes];
                buf.getBytes(prefix, actual);
                assertThat(actual).as("seed %d round %d", seed, round).isEqualTo(expected);

                buf.readerIndex(prefix);
                PacketFsBitReader r = new PacketFsBitReader().reset(buf, prefix, bytes);
                assertThat(r.bitsRemaining()).isEqualTo(8L * bytes);
                long read = 0;
                for (int i = 0; i < count; i++) {
                    int got = r.readBits(widths[i]);
                    read += widths[i];
                    if (got != (values[i] & mask(widths[i]))) {
                        assertThat(got).as("seed %d round %d field %d width %d", seed, round, i, widths[i])
                                .isEqualTo(values[i] & mask(widths[i]));
                    }
                    assertThat(r.isByteAligned()).isEqualTo(read % 8 == 0);
                }
                assertThat(r.bitsRemaining()).isEqualTo(pad);
                if (pad > 0) {
                    assertThat(r.readBits(pad)).as("padding bits are zero").isZero();
                }
                assertThat(r.bitsRemaining()).isZero();
                assertThat(buf.readerIndex()).as("reader does not move the buffer").isEqualTo(prefix);
            } finally {
                release(buf);
            }
        }
    }

    @Test
    void everyWidthAlone() {
        ByteBuf buf = Unpooled.buffer();
        try {
            for (int n = 1; n <= 32; n++) {
                for (int v : new int[] {0, 1, -1, 0x5555_5555, 0xAAAA_AAAA, Integer.MIN_VALUE}) {
                    buf.clear();
                    PacketFsBitWriter w = new PacketFsBitWriter().reset(buf);
                    w.writeBits(1, 1);       // misalign by one bit
                    w.writeBits(v, n);
                    w.flush();
                    PacketFsBitReader r = new PacketFsBitReader().reset(buf, 0, buf.readableBytes());
                    assertThat(r.readBits(1)).isEqualTo(1);
                    assertThat(r.readBits(n)).as("width %d value %08X", n, v).isEqualTo(v & mask(n));
                }
            }
        } finally {
            release(buf);
        }
    }

    // ------------------------------------------------------------------ reader bounds

    @Test
    void readingBeyondTheRegionIsTruncatedAndStaysInside() {
        // Region of 5 bytes in the middle of 13, with sentinels either side.
        ByteBuf buf = Unpooled.directBuffer(13);
        ByteBuf heap = Unpooled.buffer(13);
        try {
            for (ByteBuf b : new ByteBuf[] {buf, heap}) {
                b.writeBytes(new byte[] {SENTINEL, SENTINEL, SENTINEL, SENTINEL});
                b.writeBytes(new byte[] {0x12, 0x34, 0x56, 0x78, (byte) 0x9A});
                b.writeBytes(new byte[] {SENTINEL, SENTINEL, SENTINEL, SENTINEL});
                b.readerIndex(1);
                PacketFsBitReader r = new PacketFsBitReader().reset(b, 4, 5);
                assertThat(r.readBits(12)).isEqualTo(0x123);
                assertThat(r.readBits(20)).isEqualTo(0x45678);
                assertThat(r.bitsRemaining()).isEqualTo(8);
                assertThatThrownBy(() -> r.readBits(9))
                        .isInstanceOfSatisfying(PacketFsException.class,
                                e -> assertThat(e.reason()).isEqualTo(PacketFsException.Reason.TRUNCATED));
                assertThatThrownBy(() -> r.readBits(32))
                        .isInstanceOfSatisfying(PacketFsException.class,
                                e -> assertThat(e.reason()).isEqualTo(PacketFsException.Reason.TRUNCATED));
                // The failed reads consumed nothing: the last byte of the region is still there, not a sentinel.
                assertThat(r.bitsRemaining()).isEqualTo(8);
                assertThat(r.readBits(8)).isEqualTo(0x9A);
                assertThatThrownBy(() -> r.readBits(1))
                        .isInstanceOfSatisfying(PacketFsException.class,
                                e -> assertThat(e.reason()).isEqualTo(PacketFsException.Reason.TRUNCATED));
                assertThat(b.readerIndex()).isEqualTo(1);
                assertThat(b.writerIndex()).isEqualTo(13);
            }
        } finally {
            release(buf);
            release(heap);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {21L, 22L, 23L})
    void readerNeverReadsPastTheRegionEnd(long seed) {
        // The region ends exactly at the buffer's capacity: any read past it would make Netty throw
        // IndexOutOfBoundsException instead of the reader's own TRUNCATED.
        Random rnd = new Random(seed);
        for (int trial = 0; trial < 200; trial++) {
            int before = 1 + rnd.nextInt(8);
            int length = rnd.nextInt(12);
            ByteBuf buf = (trial & 1) == 0 ? Unpooled.buffer(before + length, before + length)
                    : Unpooled.directBuffer(before + length, before + length);
            try {
                for (int i = 0; i < before; i++) {
                    buf.writeByte(SENTINEL);
                }
                byte[] region = new byte[length];
                rnd.nextBytes(region);
                buf.writeBytes(region);
                PacketFsBitReader r = new PacketFsBitReader().reset(buf, before, length);
                long remaining = r.bitsRemaining();
                assertThat(remaining).isEqualTo(8L * length);
                while (remaining > 0) {
                    int n = 1 + rnd.nextInt(32);
                    if (n > remaining) {
                        assertThatThrownBy(() -> r.readBits(n))
                                .isInstanceOfSatisfying(PacketFsException.class,
                                        e -> assertThat(e.reason()).isEqualTo(PacketFsException.Reason.TRUNCATED));
                        assertThat(r.bitsRemaining()).isEqualTo(remaining);
                        r.readBits((int) Math.min(remaining, 32));
                    } else {
                        r.readBits(n);
                    }
                    assertThat(r.bitsRemaining()).isLessThan(remaining);
                    remaining = r.bitsRemaining();
                }
                assertThatThrownBy(() -> r.readBits(1))
                        .isInstanceOfSatisfying(PacketFsException.class,
                                e -> assertThat(e.reason()).isEqualTo(PacketFsException.Reason.TRUNCATED));
                assertThat(buf.readerIndex()).isZero();
            } finally {
                release(buf);
            }
        }
    }

    @Test
    void resetRefusesARegionOutsideTheBuffer() {
        ByteBuf buf = Unpooled.buffer(8, 8);
        try {
            PacketFsBitReader r = new PacketFsBitReader();
            assertThatThrownBy(() -> r.reset(buf, -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> r.reset(buf, 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> r.reset(buf, 4, 5)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(r.reset(buf, 8, 0).bitsRemaining()).isZero();
        } finally {
            release(buf);
        }
    }

    // ------------------------------------------------------------------ skipBytes and alignment

    @Test
    void skipBytes() {
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeByte(SENTINEL);
            buf.writeBytes(new byte[] {0x40, 0x02, 0x11, 0x22, (byte) 0xF0, 0x00, 0x01, 0x33});
            buf.writeByte(SENTINEL);
            PacketFsBitReader r = new PacketFsBitReader().reset(buf, 1, 8);
            assertThat(r.isByteAligned()).isTrue();
            assertThat(r.byteIndex()).isEqualTo(1);
            assertThat(r.readBits(2)).isEqualTo(0b01);
            assertThat(r.isByteAligned()).isFalse();
            assertThatThrownBy(() -> r.skipBytes(1)).isInstanceOf(IllegalStateException.class);
            assertThat(r.readBits(14)).isEqualTo(2);
            assertThat(r.isByteAligned()).isTrue();
            assertThat(r.byteIndex()).isEqualTo(3);

            r.skipBytes(2);                               // 11 22
            assertThat(r.byteIndex()).isEqualTo(5);
            assertThat(r.bitsRemaining()).isEqualTo(32);
            assertThat(r.readBits(8)).isEqualTo(0xF0);
            r.skipBytes(0);
            assertThat(r.byteIndex()).isEqualTo(6);

            assertThatThrownBy(() -> r.skipBytes(4))
                    .isInstanceOfSatisfying(PacketFsException.class,
                            e -> assertThat(e.reason()).isEqualTo(PacketFsException.Reason.TRUNCATED));
            assertThat(r.bitsRemaining()).isEqualTo(24);
            r.skipBytes(2);                               // 00 01
            assertThat(r.readBits(8)).isEqualTo(0x33);
            assertThat(r.bitsRemaining()).isZero();
            assertThatThrownBy(() -> r.skipBytes(1))
                    .isInstanceOfSatisfying(PacketFsException.class,
                            e -> assertThat(e.reason()).isEqualTo(PacketFsException.Reason.TRUNCATED));
            assertThat(buf.readerIndex()).isZero();
        } finally {
            release(buf);
        }
    }

    @Test
    void skipBytesAfterUnalignedReadsThatEndAligned() {
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeBytes(new byte[] {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF, 0x12, 0x34});
            PacketFsBitReader r = new PacketFsBitReader().reset(buf, 0, 5);
            assertThat(r.readBits(4)).isEqualTo(0xA);
            assertThat(r.readBits(12)).isEqualTo(0xBCD);
            assertThat(r.isByteAligned()).isTrue();
            r.skipBytes(1);
            assertThat(r.readBits(16)).isEqualTo(0x1234);
        } finally {
            release(buf);
        }
    }

    @Test
    void readerDoesNotMoveTheBufferIndexes() {
        ByteBuf buf = Unpooled.directBuffer();
        try {
            buf.writeLong(0x0123_4567_89AB_CDEFL);
            buf.readerIndex(2);
            PacketFsBitReader r = new PacketFsBitReader().reset(buf, 0, 8);
            assertThat(r.readBits(32)).isEqualTo(0x0123_4567);
            r.skipBytes(2);
            assertThat(r.readBits(16)).isEqualTo(0xCDEF);
            assertThat(buf.readerIndex()).isEqualTo(2);
            assertThat(buf.writerIndex()).isEqualTo(8);
        } finally {
            release(buf);
        }
    }
}
