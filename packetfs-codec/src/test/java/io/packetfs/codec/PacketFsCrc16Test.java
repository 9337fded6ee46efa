package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link PacketFsCrc16}: CRC-16/IBM-3740 (poly 0x1021, init 0xFFFF, no reflection, no xorout), docs/PROTOCOL.md
 * section 5. Catalogue vectors, the sliced implementation against a bit-by-bit reference, incremental updates and
 * the {@link ByteBuf} overload over heap, direct and composite buffers.
 */
class PacketFsCrc16Test {

    /** Bit-by-bit reference, MSB-first, straight from the definition. */
    private static int referenceCrc(int crc, byte[] bytes, int offset, int length) {
        int c = crc & 0xFFFF;
        for (int i = offset; i < offset + length; i++) {
            c ^= (bytes[i] & 0xFF) << 8;
            for (int bit = 0; bit < 8; bit++) {
                c = (c & 0x8000) != 0 ? ((c << 1) ^ 0x1021) & 0xFFFF : (c << 1) & 0xFFFF;
            }
        }
        return c;
    }

    private static int referenceCrc(byte[] bytes) {
        return referenceCrc(0xFFFF, bytes, 0, bytes.length);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static void release(ByteBuf buf) {
        assertThat(buf.release()).isTrue();
        assertThat(buf.refCnt()).isZero();
    }

    // ------------------------------------------------------------------ catalogue vectors

    @Test
    void constants() {
        assertThat(PacketFsCrc16.INITIAL).isEqualTo(0xFFFF);
        assertThat(PacketFsCrc16.POLYNOMIAL).isEqualTo(0x1021);
    }

    @Test
    void checkValue() {
        assertThat(PacketFsCrc16.compute(ascii("123456789"))).isEqualTo(0x29B1);
        assertThat(referenceCrc(ascii("123456789"))).isEqualTo(0x29B1);
    }

    @Test
    void isNotXmodem() {
        int crc = PacketFsCrc16.compute(ascii("123456789"));
        assertThat(crc).isNotEqualTo(0x31C3);
        // XMODEM is the same polynomial from a zero register: the reference confirms the distinction.
        byte[] check = ascii("123456789");
        assertThat(referenceCrc(0, check, 0, check.length)).isEqualTo(0x31C3);
        assertThat(PacketFsCrc16.update(0, check, 0, check.length)).isEqualTo(0x31C3);
    }

    @Test
    void emptyInputIsTheInitialValue() {
        assertThat(PacketFsCrc16.compute(new byte[0])).isEqualTo(0xFFFF);
        assertThat(PacketFsCrc16.update(PacketFsCrc16.INITIAL, new byte[5], 3, 0)).isEqualTo(0xFFFF);
    }

    @Test
    void singleLetterA() {
        assertThat(PacketFsCrc16.compute(ascii("A"))).isEqualTo(0xB915);
    }

    @Test
    void twoHundredFiftySixLettersA() {
        byte[] a = new byte[256];
        Arrays.fill(a, (byte) 'A');
        assertThat(PacketFsCrc16.compute(a)).isEqualTo(0xEA0B);
        assertThat(referenceCrc(a)).isEqualTo(0xEA0B);
    }

    @Test
    void singleZeroByte() {
        assertThat(PacketFsCrc16.compute(new byte[] {0x00})).isEqualTo(0xE1F0);
    }

    @Test
    void singleFfByte() {
        assertThat(PacketFsCrc16.compute(new byte[] {(byte) 0xFF})).isEqualTo(0xFF00);
    }

    @Test
    void protocolDocumentVectors() {
        // docs/PROTOCOL.md V5 and V7.
        assertThat(PacketFsCrc16.compute(new byte[] {1, 2, 3, 4})).isEqualTo(0x89C3);
        assertThat(PacketFsCrc16.compute(new byte[] {(byte) 0xAA, (byte) 0xAA})).isEqualTo(0xFB1A);
        assertThat(PacketFsCrc16.compute(new byte[] {0x55, 0x55})).isEqualTo(0xE615);
    }

    // ------------------------------------------------------------------ sliced vs bit-by-bit

    @ParameterizedTest
    @ValueSource(longs = {1L, 42L, 0xC0FFEEL, 0x5EED_0001L})
    void everySmallLengthAtRandomOffsetsMatchesReference(long seed) {
        Random rnd = new Random(seed);
        // Past three lane blocks, so that every split into blocks, 8-byte steps and single bytes is taken.
        for (int length = 0; length <= 3 * PacketFsCrc16.BLOCK + 17; length++) {
            for (int trial = 0; trial < (length <= 70 ? 8 : 2); trial++) {
                int offset = rnd.nextInt(17);
                int tail = rnd.nextInt(9);
                byte[] bytes = new byte[offset + length + tail];
                rnd.nextBytes(bytes);
                int start = trial == 0 ? PacketFsCrc16.INITIAL : rnd.nextInt(0x10000);
                assertThat(PacketFsCrc16.update(start, bytes, offset, length))
                        .as("seed %d length %d offset %d start %04X", seed, length, offset, start)
                        .isEqualTo(referenceCrc(start, bytes, offset, length));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {7L, 99L, 0xBADC0DEL})
    void largeArraysMatchReference(long seed) {
        Random rnd = new Random(seed);
        int[] lengths = {1_000, 1_023, 4_096, 65_535, 65_536 + 7, 1 << 20};
        for (int length : lengths) {
            int offset = rnd.nextInt(64);
            byte[] bytes = new byte[offset + length + rnd.nextInt(64)];
            rnd.nextBytes(bytes);
            assertThat(PacketFsCrc16.update(PacketFsCrc16.INITIAL, bytes, offset, length))
                    .as("seed %d length %d offset %d", seed, length, offset)
                    .isEqualTo(referenceCrc(0xFFFF, bytes, offset, length));
        }
    }

    @Test
    void computeEqualsUpdateFromInitial() {
        Random rnd = new Random(3);
        for (int length = 0; length < 40; length++) {
            byte[] bytes = new byte[length];
            rnd.nextBytes(bytes);
            assertThat(PacketFsCrc16.compute(bytes))
                    .isEqualTo(PacketFsCrc16.update(PacketFsCrc16.INITIAL, bytes, 0, length))
                    .isEqualTo(referenceCrc(bytes));
        }
    }

    @Test
    void resultIsAlways16Bits() {
        Random rnd = new Random(11);
        for (int i = 0; i < 1_000; i++) {
            byte[] bytes = new byte[rnd.nextInt(40)];
            rnd.nextBytes(bytes);
            int crc = PacketFsCrc16.update(rnd.nextInt(0x10000), bytes, 0, bytes.length);
            assertThat(crc).isBetween(0, 0xFFFF);
        }
    }

    // ------------------------------------------------------------------ incremental

    @ParameterizedTest
    @ValueSource(longs = {1L, 42L, 0xC0FFEEL, 0x5EED_0001L})
    void incrementalSplitAtEveryPointEqualsOneShot(long seed) {
        Random rnd = new Random(seed);
        for (int length : new int[] {0, 1, 7, 8, 9, 15, 16, 17, 33, 70, 129}) {
            byte[] bytes = new byte[length];
            rnd.nextBytes(bytes);
            int oneShot = PacketFsCrc16.compute(bytes);
            assertThat(oneShot).isEqualTo(referenceCrc(bytes));
            for (int split = 0; split <= length; split++) {
                int crc = PacketFsCrc16.update(PacketFsCrc16.INITIAL, bytes, 0, split);
                crc = PacketFsCrc16.update(crc, bytes, split, length - split);
                assertThat(crc).as("seed %d length %d split %d", seed, length, split).isEqualTo(oneShot);
            }
            // Three random pieces as well.
            if (length > 1) {
                int a = rnd.nextInt(length);
                int b = a + rnd.nextInt(length - a + 1);
                int crc = PacketFsCrc16.update(PacketFsCrc16.INITIAL, bytes, 0, a);
                crc = PacketFsCrc16.update(crc, bytes, a, b - a);
                crc = PacketFsCrc16.update(crc, bytes, b, length - b);
                assertThat(crc).isEqualTo(oneShot);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 42L, 0xC0FFEEL, 0x5EED_0001L})
    void singleByteUpdateEqualsArrayForm(long seed) {
        Random rnd = new Random(seed);
        for (int length = 0; length <= 70; length++) {
            byte[] bytes = new byte[length];
            rnd.nextBytes(bytes);
            int crc = PacketFsCrc16.INITIAL;
            for (byte b : bytes) {
                int before = crc;
                crc = PacketFsCrc16.update(crc, b);
                // Signed and unsigned forms of the same byte agree, and so does the one-byte array form.
                assertThat(PacketFsCrc16.update(before, b & 0xFF)).isEqualTo(crc);
                assertThat(PacketFsCrc16.update(before, new byte[] {b}, 0, 1)).isEqualTo(crc);
            }
            assertThat(crc).as("seed %d length %d", seed, length).isEqualTo(PacketFsCrc16.compute(bytes));
        }
    }

    @Test
    void singleByteUpdateOverEveryByteValueAndRegister() {
        Random rnd = new Random(5);
        for (int b = 0; b < 256; b++) {
            for (int trial = 0; trial < 64; trial++) {
                int crc = trial == 0 ? 0xFFFF : rnd.nextInt(0x10000);
                assertThat(PacketFsCrc16.update(crc, b))
                        .isEqualTo(referenceCrc(crc, new byte[] {(byte) b}, 0, 1));
            }
        }
    }

    // ------------------------------------------------------------------ ByteBuf overload

    @ParameterizedTest
    @ValueSource(longs = {1L, 42L, 0xC0FFEEL})
    void byteBufOverloadMatchesForHeapDirectAndComposite(long seed) {
        Random rnd = new Random(seed);
        int block = PacketFsCrc16.BLOCK;
        for (int length : new int[] {0, 1, 5, 8, 9, 16, 31, 64, 70, block - 1, block, block + 1, block + 9,
                2 * block + 7, 1_000, 1_472, 8_933}) {
            int prefix = 1 + rnd.nextInt(13);
            byte[] bytes = new byte[prefix + length + 3];
            rnd.nextBytes(bytes);
            int expected = referenceCrc(0xFFFF, bytes, prefix, length);

            ByteBuf heap = Unpooled.buffer(bytes.length);
            heap.writeBytes(bytes);
            ByteBuf direct = Unpooled.directBuffer(bytes.length);
            direct.writeBytes(bytes);
            // a pooled slice (read at its memory address) and a direct buffer without one (read through its NIO view)
            ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length + 5).writeZero(5)
                    .writeBytes(bytes);
            ByteBuf pooledSlice = pooled.slice(5, bytes.length);
            ByteBuf noAddress = new UnpooledDirectByteBuf(UnpooledByteBufAllocator.DEFAULT, bytes.length, bytes.length)
                    .writeBytes(bytes);
            assertThat(pooledSlice.hasMemoryAddress()).isTrue();
            assertThat(noAddress.hasMemoryAddress()).isFalse();
            CompositeByteBuf composite = Unpooled.compositeBuffer();
            // Split the bytes into several components, heap and direct alternating, with cuts inside 8-byte blocks.
            int pos = 0;
            boolean useDirect = false;
            while (pos < bytes.length) {
                int piece = Math.min(bytes.length - pos, 1 + rnd.nextInt(11));
                ByteBuf part = useDirect ? Unpooled.directBuffer(piece) : Unpooled.buffer(piece);
                part.writeBytes(bytes, pos, piece);
                composite.addComponent(true, part);
                pos += piece;
                useDirect = !useDirect;
            }
            try {
                for (ByteBuf buf : new ByteBuf[] {heap, direct, pooledSlice, noAddress, composite}) {
                    buf.readerIndex(prefix);
                    int readerIndex = buf.readerIndex();
                    int writerIndex = buf.writerIndex();
                    int crc = PacketFsCrc16.update(PacketFsCrc16.INITIAL, buf, buf.readerIndex(), length);
                    assertThat(crc)
                            .as("%s seed %d length %d prefix %d", buf.getClass().getSimpleName(), seed, length, prefix)
                            .isEqualTo(expected);
                    assertThat(buf.readerIndex()).isEqualTo(readerIndex);
                    assertThat(buf.writerIndex()).isEqualTo(writerIndex);
                    // Incremental over the buffer: split at a random point.
                    int split = length == 0 ? 0 : rnd.nextInt(length + 1);
                    int part = PacketFsCrc16.update(PacketFsCrc16.INITIAL, buf, prefix, split);
                    part = PacketFsCrc16.update(part, buf, prefix + split, length - split);
                    assertThat(part).isEqualTo(expected);
                    assertThat(buf.readerIndex()).isEqualTo(readerIndex);
                    assertThat(buf.writerIndex()).isEqualTo(writerIndex);
                }
            } finally {
                release(heap);
                release(direct);
                release(pooled);
                release(noAddress);
                release(composite);
            }
        }
    }

    @Test
    void byteBufOverloadOnSlicesUsesTheSliceIndexes() {
        byte[] bytes = new byte[64];
        new Random(8).nextBytes(bytes);
        int expected = referenceCrc(0xFFFF, bytes, 13, 27);
        ByteBuf heap = Unpooled.wrappedBuffer(bytes);
        ByteBuf direct = Unpooled.directBuffer(64).writeBytes(bytes);
        try {
            for (ByteBuf buf : new ByteBuf[] {heap, direct}) {
                ByteBuf slice = buf.slice(10, 40);
                assertThat(PacketFsCrc16.update(PacketFsCrc16.INITIAL, slice, 3, 27)).isEqualTo(expected);
            }
        } finally {
            release(heap);
            release(direct);
        }
    }

    // ------------------------------------------------------------------ bounds

    @Test
    void badOffsetOrLengthThrowsIndexOutOfBounds() {
        byte[] bytes = new byte[16];
        int crc = PacketFsCrc16.INITIAL;
        assertThatThrownBy(() -> PacketFsCrc16.update(crc, bytes, -1, 4))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> PacketFsCrc16.update(crc, bytes, 0, -1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> PacketFsCrc16.update(crc, bytes, 0, 17))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> PacketFsCrc16.update(crc, bytes, 10, 7))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> PacketFsCrc16.update(crc, bytes, 17, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> PacketFsCrc16.update(crc, bytes, 1, Integer.MAX_VALUE))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> PacketFsCrc16.update(crc, bytes, Integer.MAX_VALUE, 1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        // The edges themselves are fine.
        assertThat(PacketFsCrc16.update(crc, bytes, 16, 0)).isEqualTo(crc);
        assertThat(PacketFsCrc16.update(crc, bytes, 0, 16)).isEqualTo(referenceCrc(crc, bytes, 0, 16));
    }

    @Test
    void byteBufRegionOutsideADirectSliceThrowsIndexOutOfBounds() {
        ByteBuf backing = Unpooled.directBuffer(64).writeZero(64);
        try {
            ByteBuf slice = backing.slice(16, 16);
            assertThatThrownBy(() -> PacketFsCrc16.update(PacketFsCrc16.INITIAL, slice, 8, 16))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> PacketFsCrc16.update(PacketFsCrc16.INITIAL, slice, -8, 8))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        } finally {
            release(backing);
        }
    }

    @Test
    void byteBufRegionPastTheEndOfAHeapSliceThrowsIndexOutOfBounds() {
        // A heap slice shares a larger array: a region past the slice must not read the neighbouring bytes.
        ByteBuf backing = Unpooled.wrappedBuffer(new byte[64]);
        try {
            ByteBuf slice = backing.slice(16, 16);
            assertThatThrownBy(() -> PacketFsCrc16.update(PacketFsCrc16.INITIAL, slice, 8, 16))
                    .as("heap slice [16, 32) of a 64-byte array, region 8+16")
                    .isInstanceOf(IndexOutOfBoundsException.class);
        } finally {
            release(backing);
        }
    }

    @Test
    void byteBufNegativeIndexIntoAHeapSliceThrowsIndexOutOfBounds() {
        ByteBuf backing = Unpooled.wrappedBuffer(new byte[64]);
        try {
            ByteBuf slice = backing.slice(16, 16);
            assertThatThrownBy(() -> PacketFsCrc16.update(PacketFsCrc16.INITIAL, slice, -8, 8))
                    .as("heap slice [16, 32) of a 64-byte array, region -8+8")
                    .isInstanceOf(IndexOutOfBoundsException.class);
        } finally {
            release(backing);
        }
    }
}
