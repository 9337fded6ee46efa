package io.packetfs.codec.internal;

/**
 * The seed's keyed 32-bit permutation {@code prp32} and its inverse. Every step is a bijection on 32 bits (an XOR
 * with a constant, or {@code x ^= x << s} / {@code x ^= x >>> s}), so the whole function is one, and
 * {@link #inverse(int, int)} undoes the steps in reverse order. It scrambles; it is not a cipher.
 *
 * <pre>
 *   x ^= key * 0x9E3779B9
 *   x ^= x &lt;&lt; 13;  x ^= x &gt;&gt;&gt; 17;  x ^= x &lt;&lt; 5
 *   x ^= key ^ 0x85EBCA77
 * </pre>
 */
public final class PacketFsPrp32 {

    private static final int GOLDEN = 0x9E3779B9;
    private static final int MIX = 0x85EBCA77;

    private PacketFsPrp32() {
    }

    /** The seed's prp32(x, key). */
    public static int permute(int x, int key) {
        x ^= key * GOLDEN;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        x ^= key ^ MIX;
        return x;
    }

    /** The inverse: {@code inverse(permute(x, key), key) == x} for every x and key. */
    public static int inverse(int y, int key) {
        int x = y ^ (key ^ MIX);
        x = unShiftLeft(x, 5);
        x ^= x >>> 17;                  // 2 * 17 >= 32: one step undoes it
        x = unShiftLeft(x, 13);
        x ^= key * GOLDEN;
        return x;
    }

    private static int unShiftLeft(int y, int shift) {
        // y = x ^ (x << s)  =>  x = y ^ (y << s) ^ (y << 2s) ^ ...
        int x = y;
        for (int s = shift; s < 32; s += shift) {
            x ^= y << s;
        }
        return x;
    }
}
