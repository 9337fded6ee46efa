package io.packetfs.codec.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PacketFsPrp32}: known values (computed independently with uint32 arithmetic), inverse in both directions
 * over seeded random inputs, and injectivity over a 2^20 sample.
 */
class PacketFsPrp32Test {

    private static final int CASES = 100_000;

    /** The seed's prp32 in unsigned 64-bit arithmetic, masked to 32 bits after every step. */
    private static long referencePermute(long x, long key) {
        long m = 0xFFFF_FFFFL;
        x &= m;
        key &= m;
        x ^= (key * 0x9E37_79B9L) & m;
        x ^= (x << 13) & m;
        x ^= x >>> 17;
        x ^= (x << 5) & m;
        x ^= key ^ 0x85EB_CA77L;
        return x & m;
    }

    @Test
    void knownValues() {
        assertThat(PacketFsPrp32.permute(0, 0)).isEqualTo(0x85EBCA77);
        assertThat(PacketFsPrp32.permute(1, 0)).isEqualTo(0x85EFEA56);
        assertThat(PacketFsPrp32.permute(0x12345678, 42)).isEqualTo(0x8A3AE7CB);
        assertThat(PacketFsPrp32.permute(0xFFFFFFFF, 0xDEADBEEF)).isEqualTo(0x955354D8);
    }

    @Test
    void knownValuesInvert() {
        assertThat(PacketFsPrp32.inverse(0x85EBCA77, 0)).isZero();
        assertThat(PacketFsPrp32.inverse(0x85EFEA56, 0)).isEqualTo(1);
        assertThat(PacketFsPrp32.inverse(0x8A3AE7CB, 42)).isEqualTo(0x12345678);
        assertThat(PacketFsPrp32.inverse(0x955354D8, 0xDEADBEEF)).isEqualTo(0xFFFFFFFF);
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 0xDEADBEEFL, 20240601L})
    void matchesUnsignedReference(long seed) {
        Random rnd = new Random(seed);
        for (int i = 0; i < 10_000; i++) {
            int x = rnd.nextInt();
            int key = rnd.nextInt();
            assertThat(Integer.toUnsignedLong(PacketFsPrp32.permute(x, key)))
                    .as("seed %d x %08X key %08X", seed, x, key)
                    .isEqualTo(referencePermute(Integer.toUnsignedLong(x), Integer.toUnsignedLong(key)));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 0xDEADBEEFL, 20240601L})
    void inverseUndoesPermute(long seed) {
        Random rnd = new Random(seed);
        for (int i = 0; i < CASES; i++) {
            int x = rnd.nextInt();
            int key = rnd.nextInt();
            int y = PacketFsPrp32.permute(x, key);
            int back = PacketFsPrp32.inverse(y, key);
            if (back != x) {
                assertThat(back).as("seed %d case %d x %08X key %08X", seed, i, x, key).isEqualTo(x);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {3L, 4L, 0xCAFEBABEL, 77777L})
    void permuteUndoesInverse(long seed) {
        Random rnd = new Random(seed);
        for (int i = 0; i < CASES; i++) {
            int y = rnd.nextInt();
            int key = rnd.nextInt();
            int x = PacketFsPrp32.inverse(y, key);
            int again = PacketFsPrp32.permute(x, key);
            if (again != y) {
                assertThat(again).as("seed %d case %d y %08X key %08X", seed, i, y, key).isEqualTo(y);
            }
        }
    }

    @Test
    void edgeValuesRoundTrip() {
        int[] edges = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x85EBCA77, 0x9E3779B9, 0x0000FFFF, 0xFFFF0000};
        for (int x : edges) {
            for (int key : edges) {
                assertThat(PacketFsPrp32.inverse(PacketFsPrp32.permute(x, key), key)).isEqualTo(x);
                assertThat(PacketFsPrp32.permute(PacketFsPrp32.inverse(x, key), key)).isEqualTo(x);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 42, 0xDEADBEEF})
    void injectiveOverTwoToTheTwenty(int key) {
        int n = 1 << 20;
        int[] images = new int[n];
        for (int x = 0; x < n; x++) {
            images[x] = PacketFsPrp32.permute(x, key);
        }
        Arrays.sort(images);
        int distinct = 1;
        for (int i = 1; i < n; i++) {
            if (images[i] != images[i - 1]) {
                distinct++;
            }
        }
        assertThat(distinct).isEqualTo(n);
    }

    @Test
    void differentKeysGiveDifferentPermutations() {
        Random rnd = new Random(9);
        int differing = 0;
        for (int i = 0; i < 1_000; i++) {
            int x = rnd.nextInt();
            if (PacketFsPrp32.permute(x, 1) != PacketFsPrp32.permute(x, 2)) {
                differing++;
            }
        }
        assertThat(differing).isEqualTo(1_000);
    }
}
