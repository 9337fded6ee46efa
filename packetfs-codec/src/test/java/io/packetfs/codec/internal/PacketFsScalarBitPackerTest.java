package io.packetfs.codec.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link PacketFsScalarBitPacker}: references packed big-endian at their tier's width (docs/PROTOCOL.md section
 * 4.1), for heap, direct and pooled buffers; range checks, truncation and bounds.
 */
class PacketFsScalarBitPackerTest {

    private static final PacketFsScalarBitPacker PACKER = PacketFsScalarBitPacker.INSTANCE;
    private static final long[] SEEDS = {1L, 42L, 0xBEEFL, 987_654_321L};

    /** Buffer kinds under test. */
    enum Kind {
        HEAP(n -> Unpooled.buffer(n)),
        DIRECT(n -> Unpooled.directBuffer(n)),
        POOLED_HEAP(n -> PooledByteBufAllocator.DEFAULT.heapBuffer(n)),
        POOLED_DIRECT(n -> PooledByteBufAllocator.DEFAULT.directBuffer(n));

        private final IntFunction<ByteBuf> factory;

        Kind(IntFunction<ByteBuf> factory) {
            this.factory = factory;
        }

        ByteBuf allocate(int initialCapacity) {
            return factory.apply(initialCapacity);
        }
    }

    static List<Arguments> tiersKindsSeeds() {
        List<Arguments> args = new ArrayList<>();
        for (PacketFsTier tier : PacketFsTier.values()) {
            for (Kind kind : Kind.values()) {
                for (long seed : SEEDS) {
                    args.add(Arguments.of(tier, kind, seed));
                }
            }
        }
        return args;
    }

    static List<Arguments> tiersAndKinds() {
        List<Arguments> args = new ArrayList<>();
        for (PacketFsTier tier : PacketFsTier.values()) {
            for (Kind kind : Kind.values()) {
                args.add(Arguments.of(tier, kind));
            }
        }
        return args;
    }

    private static void release(ByteBuf buf) {
        assertThat(buf.release()).isTrue();
        assertThat(buf.refCnt()).isZero();
    }

    private static int randomRef(Random rnd, PacketFsTier tier) {
        switch (tier) {
            case L1:
                return rnd.nextInt(256);
            case L2:
                return rnd.nextInt(0x10000);
            default:
                return rnd.nextInt();
        }
    }

    /** Independent big-endian encoding of the references, one byte at a time. */
    private static byte[] bigEndian(int[] refs, int off, int count, PacketFsTier tier) {
        int width = tier.bytes();
        byte[] out = new byte[count * width];
        for (int i = 0; i < count; i++) {
            int v = refs[off + i];
            for (int b = 0; b < width; b++) {
                out[i * width + b] = (byte) (v >>> (8 * (width - 1 - b)));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ round trip

    @ParameterizedTest(name = "{0} {1} seed {2}")
    @MethodSource("tiersKindsSeeds")
    void randomRefsRoundTrip(PacketFsTier tier, Kind kind, long seed) {
        Random rnd = new Random(seed);
        PacketFsBitpackRequest request = new PacketFsBitpackRequest();
        for (int round = 0; round < 40; round++) {
            int count = rnd.nextInt(round < 30 ? 40 : 1_000);
            int off = rnd.nextInt(8);
            int[] refs = new int[off + count + rnd.nextInt(8)];
            for (int i = 0; i < refs.length; i++) {
                refs[i] = randomRef(rnd, tier);
            }
            // A small initial capacity, so pack has to grow the buffer.
            ByteBuf buf = kind.allocate(1 + rnd.nextInt(16));
            try {
                int prefix = rnd.nextInt(6);
                buf.writeZero(prefix);
                buf.readerIndex(prefix);
                PACKER.pack(request.set(refs, off, count, tier, buf));
                assertThat(buf.writerIndex()).isEqualTo(prefix + count * tier.bytes());
                assertThat(buf.readerIndex()).isEqualTo(prefix);
                assertThat(request.packedLength()).isEqualTo(count * tier.bytes());
                assertThat(ByteBufUtil.getBytes(buf))
                        .as("%s %s seed %d round %d", tier, kind, seed, round)
                        .isEqualTo(bigEndian(refs, off, count, tier));

                int[] back = new int[count + 3];
                back[0] = 0x7777;
                back[count + 2] = 0x7777;
                PACKER.unpack(request.set(back, 1, count, tier, buf));
                assertThat(buf.readerIndex()).isEqualTo(prefix + count * tier.bytes());
                assertThat(buf.isReadable()).isFalse();
                assertThat(back[0]).isEqualTo(0x7777);
                assertThat(back[count + 1]).isZero();
                assertThat(back[count + 2]).isEqualTo(0x7777);
                for (int i = 0; i < count; i++) {
                    if (back[1 + i] != refs[off + i]) {
                        assertThat(back[1 + i]).as("%s %s seed %d round %d ref %d", tier, kind, seed, round, i)
                                .isEqualTo(refs[off + i]);
                    }
                }
            } finally {
                release(buf);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tiersAndKinds")
    void extremesOfEachTierRoundTrip(PacketFsTier tier, Kind kind) {
        int max = (int) tier.maxRef();
        int[] refs = {0, 1, max, max - 1, max >>> 1, (max >>> 1) + 1};
        ByteBuf buf = kind.allocate(4);
        try {
            PacketFsBitpackRequest request = new PacketFsBitpackRequest();
            PACKER.pack(request.set(refs, 0, refs.length, tier, buf));
            int[] back = new int[refs.length];
            PACKER.unpack(request.set(back, 0, back.length, tier, buf));
            assertThat(back).containsExactly(refs);
        } finally {
            release(buf);
        }
    }

    // ------------------------------------------------------------------ exact bytes

    @ParameterizedTest
    @EnumSource(Kind.class)
    void exactBytesPerTier(Kind kind) {
        PacketFsBitpackRequest request = new PacketFsBitpackRequest();
        ByteBuf buf = kind.allocate(2);
        try {
            PACKER.pack(request.set(new int[] {0x41, 0x42, 0x43, 0x00, 0xFF}, 0, 5, PacketFsTier.L1, buf));
            assertThat(ByteBufUtil.hexDump(buf)).isEqualTo("41424300ff");
            buf.clear();

            PACKER.pack(request.set(new int[] {0x0102, 0xBEEF}, 0, 2, PacketFsTier.L2, buf));
            assertThat(ByteBufUtil.getBytes(buf)).containsExactly(0x01, 0x02, 0xBE, 0xEF);
            buf.clear();

            // PROTOCOL.md V2 and V3 reference bytes.
            PACKER.pack(request.set(new int[] {0x0001, 0xBEEF, 0xFFFF}, 0, 3, PacketFsTier.L2, buf));
            assertThat(ByteBufUtil.hexDump(buf)).isEqualTo("0001beefffff");
            buf.clear();

            PACKER.pack(request.set(new int[] {0x00000000, 0xF0F0F0F0, 0xFFFFFFFF, 0x12345678}, 0, 4,
                    PacketFsTier.L3, buf));
            assertThat(ByteBufUtil.hexDump(buf)).isEqualTo("00000000f0f0f0f0ffffffff12345678");
            buf.clear();

            PACKER.pack(request.set(new int[] {0x01020304, 0xDEADBEEF}, 0, 2, PacketFsTier.L3, buf));
            assertThat(ByteBufUtil.getBytes(buf)).containsExactly(0x01, 0x02, 0x03, 0x04, 0xDE, 0xAD, 0xBE, 0xEF);
        } finally {
            release(buf);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void l3ValuesAboveTwoToTheThirtyOneSurvive(Kind kind) {
        int[] refs = {0x8000_0000, 0xFFFF_FFFF, 0xDEAD_BEEF, 0x8000_0001, -2};
        ByteBuf buf = kind.allocate(4);
        try {
            PacketFsBitpackRequest request = new PacketFsBitpackRequest();
            PACKER.pack(request.set(refs, 0, refs.length, PacketFsTier.L3, buf));
            assertThat(ByteBufUtil.hexDump(buf)).isEqualTo("80000000ffffffffdeadbeef80000001fffffffe");
            int[] back = new int[refs.length];
            PACKER.unpack(request.set(back, 0, back.length, PacketFsTier.L3, buf));
            assertThat(back).containsExactly(refs);
            assertThat(Integer.toUnsignedLong(back[1])).isEqualTo(0xFFFF_FFFFL);
        } finally {
            release(buf);
        }
    }

    // ------------------------------------------------------------------ indexes

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tiersAndKinds")
    void packAppendsAtWriterIndexAndLeavesExistingBytes(PacketFsTier tier, Kind kind) {
        ByteBuf buf = kind.allocate(16);
        try {
            buf.writeBytes(new byte[] {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE});
            buf.readerIndex(1);
            PacketFsBitpackRequest request = new PacketFsBitpackRequest();
            int[] refs = {1, 2, 3};
            PACKER.pack(request.set(refs, 0, 3, tier, buf));
            assertThat(buf.readerIndex()).isEqualTo(1);
            assertThat(buf.writerIndex()).isEqualTo(4 + 3 * tier.bytes());
            assertThat(buf.getInt(0)).isEqualTo(0xCAFEBABE);
            byte[] packed = new byte[3 * tier.bytes()];
            buf.getBytes(4, packed);
            assertThat(packed).isEqualTo(bigEndian(refs, 0, 3, tier));

            // A second pack appends after the first.
            PACKER.pack(request.set(new int[] {9}, 0, 1, tier, buf));
            assertThat(buf.writerIndex()).isEqualTo(4 + 4 * tier.bytes());
            assertThat(buf.getInt(0)).isEqualTo(0xCAFEBABE);
            buf.getBytes(4, packed);
            assertThat(packed).isEqualTo(bigEndian(refs, 0, 3, tier));
        } finally {
            release(buf);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tiersAndKinds")
    void unpackConsumesFromReaderIndex(PacketFsTier tier, Kind kind) {
        ByteBuf buf = kind.allocate(32);
        try {
            buf.writeBytes(new byte[] {(byte) 0xEE, (byte) 0xEE, (byte) 0xEE});
            int[] refs = {7, 8, 9, 10};
            PacketFsBitpackRequest request = new PacketFsBitpackRequest();
            PACKER.pack(request.set(refs, 0, 4, tier, buf));
            buf.writeByte(0x55);                          // trailing byte that unpack must leave alone
            buf.readerIndex(3);
            int[] back = new int[4];
            PACKER.unpack(request.set(back, 0, 2, tier, buf));
            assertThat(buf.readerIndex()).isEqualTo(3 + 2 * tier.bytes());
            PACKER.unpack(request.set(back, 2, 2, tier, buf));
            assertThat(back).containsExactly(refs);
            assertThat(buf.readerIndex()).isEqualTo(3 + 4 * tier.bytes());
            assertThat(buf.readableBytes()).isEqualTo(1);
            assertThat(buf.readByte()).isEqualTo((byte) 0x55);
        } finally {
            release(buf);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tiersAndKinds")
    void countZeroIsANoOp(PacketFsTier tier, Kind kind) {
        ByteBuf buf = kind.allocate(8);
        try {
            buf.writeShort(0x1234);
            PacketFsBitpackRequest request = new PacketFsBitpackRequest();
            int[] refs = {5, 6};
            PACKER.pack(request.set(refs, 0, 0, tier, buf));
            PACKER.pack(request.set(refs, 2, 0, tier, buf));
            assertThat(buf.writerIndex()).isEqualTo(2);
            PACKER.unpack(request.set(refs, 1, 0, tier, buf));
            assertThat(buf.readerIndex()).isZero();
            assertThat(refs).containsExactly(5, 6);
            // Also on an empty buffer: no TRUNCATED for zero references.
            buf.skipBytes(2);
            PACKER.unpack(request.set(refs, 0, 0, tier, buf));
            assertThat(buf.readerIndex()).isEqualTo(2);
            assertThat(buf.getShort(0)).isEqualTo((short) 0x1234);
        } finally {
            release(buf);
        }
    }

    // ------------------------------------------------------------------ errors

    @ParameterizedTest
    @EnumSource(Kind.class)
    void referenceOutsideItsTierIsRefusedAndNothingIsWritten(Kind kind) {
        ByteBuf buf = kind.allocate(8);
        try {
            buf.writeByte(0x11);
            PacketFsBitpackRequest request = new PacketFsBitpackRequest();

            int[] l1 = {1, 2, 255, 256, 3};
            assertThatThrownBy(() -> PACKER.pack(request.set(l1, 0, l1.length, PacketFsTier.L1, buf)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("256")
                    .hasMessageContaining("index 3")
                    .hasMessageContaining("L1");
            assertThat(buf.writerIndex()).isEqualTo(1);

            int[] l2 = {0xFFFF, 0x10000};
            assertThatThrownBy(() -> PACKER.pack(request.set(l2, 0, l2.length, PacketFsTier.L2, buf)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Integer.toString(0x10000))
                    .hasMessageContaining("index 1")
                    .hasMessageContaining("L2");
            assertThat(buf.writerIndex()).isEqualTo(1);

            // A negative int is a value >= 2^31: too wide for L1 and L2; the message shows it unsigned.
            int[] negative = {0, -1};
            assertThatThrownBy(() -> PACKER.pack(request.set(negative, 0, 2, PacketFsTier.L1, buf)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("4294967295")
                    .hasMessageContaining("index 1");
            assertThatThrownBy(() -> PACKER.pack(request.set(negative, 0, 2, PacketFsTier.L2, buf)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("4294967295");
            assertThat(buf.writerIndex()).isEqualTo(1);
            assertThat(buf.getByte(0)).isEqualTo((byte) 0x11);

            // Outside the batch, a too-wide reference is not looked at.
            int[] mixed = {1000, 7, 8, 70000};
            PACKER.pack(request.set(mixed, 1, 2, PacketFsTier.L1, buf));
            assertThat(ByteBufUtil.hexDump(buf)).isEqualTo("110708");
        } finally {
            release(buf);
        }
    }

    @Test
    void outOfTierMessageNamesTheArrayIndexWithAnOffset() {
        ByteBuf buf = Unpooled.buffer();
        try {
            int[] refs = {999, 1, 2, 300, 4};
            PacketFsBitpackRequest request = new PacketFsBitpackRequest();
            assertThatThrownBy(() -> PACKER.pack(request.set(refs, 1, 4, PacketFsTier.L1, buf)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("300")
                    .hasMessageContaining("index 3")
                    .hasMessageNotContaining("999");
            assertThat(buf.writerIndex()).isZero();
        } finally {
            release(buf);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tiersAndKinds")
    void unpackWithTooFewBytesIsTruncatedAndReadsNothing(PacketFsTier tier, Kind kind) {
        ByteBuf buf = kind.allocate(16);
        try {
            buf.writeByte(0x99);
            buf.writeZero(3 * tier.bytes() - 1);          // one byte short of three references
            buf.readerIndex(1);
            int[] back = {-5, -5, -5, -5};
            PacketFsBitpackRequest request = new PacketFsBitpackRequest();
            assertThatThrownBy(() -> PACKER.unpack(request.set(back, 0, 3, tier, buf)))
                    .isInstanceOfSatisfying(PacketFsException.class,
                            e -> assertThat(e.reason()).isEqualTo(PacketFsException.Reason.TRUNCATED));
            assertThat(buf.readerIndex()).isEqualTo(1);
            assertThat(back).containsOnly(-5);
            // Two references do fit.
            PACKER.unpack(request.set(back, 0, 2, tier, buf));
            assertThat(back).containsExactly(0, 0, -5, -5);
            assertThat(buf.readerIndex()).isEqualTo(1 + 2 * tier.bytes());
        } finally {
            release(buf);
        }
    }

    @ParameterizedTest
    @EnumSource(PacketFsTier.class)
    void badOffsetOrCountThrowsIndexOutOfBounds(PacketFsTier tier) {
        ByteBuf buf = Unpooled.buffer(64, 64);
        try {
            buf.writeZero(32);
            int[] refs = new int[4];
            PacketFsBitpackRequest r = new PacketFsBitpackRequest();
            int[][] bad = {{-1, 1}, {0, -1}, {0, 5}, {3, 2}, {5, 0}};
            for (int[] b : bad) {
                assertThatThrownBy(() -> PACKER.pack(r.set(refs, b[0], b[1], tier, buf)))
                        .as("pack off %d count %d", b[0], b[1])
                        .isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> PACKER.unpack(r.set(refs, b[0], b[1], tier, buf)))
                        .as("unpack off %d count %d", b[0], b[1])
                        .isInstanceOf(IndexOutOfBoundsException.class);
            }
            assertThat(buf.writerIndex()).isEqualTo(32);
            assertThat(buf.readerIndex()).isZero();
        } finally {
            release(buf);
        }
    }

    @ParameterizedTest
    @EnumSource(PacketFsTier.class)
    void packWithOffsetPlusCountOverflowingIntThrowsIndexOutOfBounds(PacketFsTier tier) {
        // refOffset + refCount wraps to a negative int, which must not slip past the bounds check.
        ByteBuf buf = Unpooled.buffer(64, 64);
        try {
            buf.writeZero(32);
            int[] refs = new int[4];
            PacketFsBitpackRequest r = new PacketFsBitpackRequest();
            assertThatThrownBy(() -> PACKER.pack(r.set(refs, 1, Integer.MAX_VALUE, tier, buf)))
                    .as("pack %s off 1 count MAX_VALUE into refs[4]", tier)
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(buf.writerIndex()).isEqualTo(32);
        } finally {
            release(buf);
        }
    }

    @ParameterizedTest
    @EnumSource(PacketFsTier.class)
    void unpackWithOffsetPlusCountOverflowingIntThrowsIndexOutOfBoundsAndReadsNothing(PacketFsTier tier) {
        ByteBuf buf = Unpooled.buffer(64, 64);
        try {
            buf.writeZero(32);
            int[] refs = {-5, -5, -5, -5};
            PacketFsBitpackRequest r = new PacketFsBitpackRequest();
            assertThatThrownBy(() -> PACKER.unpack(r.set(refs, 1, Integer.MAX_VALUE, tier, buf)))
                    .as("unpack %s off 1 count MAX_VALUE into refs[4]", tier)
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(refs).as("refs untouched").containsOnly(-5);
            assertThat(buf.readerIndex()).isZero();
        } finally {
            release(buf);
        }
    }

    @Test
    void instanceIsASharedBitPacker() {
        assertThat(PacketFsScalarBitPacker.INSTANCE).isSameAs(PACKER).isInstanceOf(PacketFsBitPacker.class);
    }
}
