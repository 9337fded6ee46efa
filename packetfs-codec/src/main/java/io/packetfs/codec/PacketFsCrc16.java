package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * CRC16-CCITT as PacketFS uses it (catalogued as CRC-16/IBM-3740, once called CRC-16/CCITT-FALSE): polynomial
 * 0x1021, initial value 0xFFFF, no input or output reflection, no final XOR. Check value 0x29B1 over the ASCII
 * bytes of "123456789". (XMODEM is the same polynomial with initial value 0 and gives 0x31C3; do not mix them.)
 *
 * <p>Eight bytes per step, as four 16-bit halves: {@code U[k][v]} is the CRC, from a zero register, of the two bytes
 * {@code v} (big-endian) followed by {@code 2k} zero bytes. The 16-bit register is folded into the first half of
 * each 8-byte block, and the CRC of the block is the XOR of four table entries: half the lookups of a table per byte
 * (slicing-by-8), for 512 KiB of tables.
 *
 * <p>One register alone is a chain of dependent steps (each block waits for the one before), so inputs of at least
 * {@value #BLOCK} bytes run as three lanes of {@value #LANE} bytes at once, the second and third from a zero
 * register. The CRC is linear: feeding {@code M} to register {@code r} gives {@code zeros(r, |M|) ^ feed(0, M)}, where
 * {@code zeros(r, n)} is {@code r} fed {@code n} zero bytes, a linear map of 16 bits that two 256-entry tables give
 * for {@code n =} {@value #LANE}. The lanes join as {@code zeros(zeros(a) ^ b) ^ c}: the same register. The steps are
 * written out in the loops, not called: under {@code ./packetfs}'s {@code -XX:FreqInlineSize=60} a step method was
 * not inlined. {@code Crc16Benchmark}, 1,488 direct bytes, on the 2-core CI machine: 1.24 GB/s with that option and
 * 1.73 GB/s without (slicing-by-8 with a step method: 0.74 and 1.14). Inside a transfer the tables compete for the
 * cache with everything else: there the CRC's share of the CPU per byte fell by a tenth, not by half (1 GiB of
 * random bytes over veth, perf: 21.2 % of all samples at 99 MB/s before, 16.1 % at 82 MB/s after). Direct buffers
 * are read at their memory address (through their internal NIO view where they have none), not through
 * {@code ByteBuf.getLong}. No allocation; safe from any thread.
 */
public final class PacketFsCrc16 {

    /** Initial register value. */
    public static final int INITIAL = 0xFFFF;
    /** The generator polynomial (x^16 + x^12 + x^5 + 1, top bit implied). */
    public static final int POLYNOMIAL = 0x1021;

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private static final char[] T0 = new char[256];
    /** {@code U[k][v]} at {@code k * 65536 + v}: see the class comment. */
    private static final char[] U = new char[4 << 16];
    private static final int U1 = 1 << 16;
    private static final int U2 = 2 << 16;
    private static final int U3 = 3 << 16;

    /** Bytes per lane: a multiple of 8. */
    static final int LANE = 32;
    /** Bytes of one three-lane block. */
    static final int BLOCK = 3 * LANE;
    /** {@code zeros(x << 8, LANE)} and {@code zeros(x, LANE)}: the two bytes of a register moved past a lane. */
    private static final char[] SKIP_HI = new char[256];
    private static final char[] SKIP_LO = new char[256];

    static {
        for (int x = 0; x < 256; x++) {
            int crc = x << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ POLYNOMIAL : crc << 1;
            }
            T0[x] = (char) crc;
        }
        // byteTables[k][x]: the CRC of the byte x followed by k zero bytes
        char[][] byteTables = new char[8][];
        byteTables[0] = T0;
        for (int k = 1; k < 8; k++) {
            char[] prev = byteTables[k - 1];
            char[] next = new char[256];
            for (int x = 0; x < 256; x++) {
                int crc = prev[x];
                next[x] = (char) ((crc << 8) ^ T0[crc >>> 8]);
            }
            byteTables[k] = next;
        }
        for (int k = 0; k < 4; k++) {
            char[] hi = byteTables[2 * k + 1];
            char[] lo = byteTables[2 * k];
            for (int v = 0; v < 1 << 16; v++) {
                U[(k << 16) + v] = (char) (hi[v >>> 8] ^ lo[v & 0xFF]);
            }
        }
        for (int x = 0; x < 256; x++) {
            SKIP_HI[x] = (char) zeros(x << 8, LANE);
            SKIP_LO[x] = (char) zeros(x, LANE);
        }
    }

    private static int zeros(int crc, int count) {
        int c = crc;
        for (int i = 0; i < count; i++) {
            c = update(c, 0);
        }
        return c;
    }

    private static int skipLane(int c) {
        return SKIP_HI[c >>> 8] ^ SKIP_LO[c & 0xFF];
    }

    private PacketFsCrc16() {
    }

    /** CRC of a whole array from {@link #INITIAL}. */
    public static int compute(byte[] bytes) {
        return update(INITIAL, bytes, 0, bytes.length);
    }

    /** Feeds one byte. */
    public static int update(int crc, int b) {
        return ((crc << 8) ^ T0[((crc >>> 8) ^ b) & 0xFF]) & 0xFFFF;
    }

    /** Feeds {@code length} bytes of {@code bytes} from {@code offset}; returns the new register. */
    public static int update(int crc, byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        if (offset < 0 || length < 0 || offset > bytes.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " length " + length + " array " + bytes.length);
        }
        int c = crc & 0xFFFF;
        final char[] u = U;
        for (int lastBlock = end - BLOCK; i <= lastBlock; i += BLOCK) {
            int a = c;
            int b = 0;
            int d = 0;
            for (int j = i, stop = i + LANE; j < stop; j += 8) {
                long v = (long) LONG_BE.get(bytes, j);
                a = u[U3 + ((int) (v >>> 48) ^ a)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                        ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
                v = (long) LONG_BE.get(bytes, j + LANE);
                b = u[U3 + ((int) (v >>> 48) ^ b)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                        ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
                v = (long) LONG_BE.get(bytes, j + 2 * LANE);
                d = u[U3 + ((int) (v >>> 48) ^ d)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                        ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
            }
            c = skipLane(skipLane(a) ^ b) ^ d;
        }
        for (int last = end - 8; i <= last; i += 8) {
            long v = (long) LONG_BE.get(bytes, i);
            c = u[U3 + ((int) (v >>> 48) ^ c)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                    ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
        }
        for (; i < end; i++) {
            c = ((c << 8) ^ T0[((c >>> 8) ^ bytes[i]) & 0xFF]) & 0xFFFF;
        }
        return c;
    }

    /**
     * The same over {@code length} bytes of native memory from {@code address}, which the caller has checked against
     * a live buffer's bounds. Reading the memory directly spares the NIO view that {@code internalNioBuffer} creates
     * for every fresh buffer of Netty's adaptive allocator and for every derived (sliced) buffer.
     */
    private static int updateAt(int crc, long address, int length) {
        final boolean swap = !PlatformDependent.BIG_ENDIAN_NATIVE_ORDER;
        long i = address;
        long end = address + length;
        int c = crc & 0xFFFF;
        final char[] u = U;
        for (long lastBlock = end - BLOCK; i <= lastBlock; i += BLOCK) {
            int a = c;
            int b = 0;
            int d = 0;
            for (long j = i, stop = i + LANE; j < stop; j += 8) {
                long v = PlatformDependent.getLong(j);
                v = swap ? Long.reverseBytes(v) : v;
                a = u[U3 + ((int) (v >>> 48) ^ a)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                        ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
                v = PlatformDependent.getLong(j + LANE);
                v = swap ? Long.reverseBytes(v) : v;
                b = u[U3 + ((int) (v >>> 48) ^ b)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                        ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
                v = PlatformDependent.getLong(j + 2 * LANE);
                v = swap ? Long.reverseBytes(v) : v;
                d = u[U3 + ((int) (v >>> 48) ^ d)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                        ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
            }
            c = skipLane(skipLane(a) ^ b) ^ d;
        }
        for (long last = end - 8; i <= last; i += 8) {
            long v = PlatformDependent.getLong(i);
            v = swap ? Long.reverseBytes(v) : v;
            c = u[U3 + ((int) (v >>> 48) ^ c)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                    ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
        }
        for (; i < end; i++) {
            c = ((c << 8) ^ T0[((c >>> 8) ^ PlatformDependent.getByte(i)) & 0xFF]) & 0xFFFF;
        }
        return c;
    }

    /** The same over {@code length} bytes of a big-endian {@link ByteBuffer} from its absolute {@code index}. */
    private static int update(int crc, ByteBuffer bytes, int index, int length) {
        int i = index;
        int end = index + length;
        int c = crc & 0xFFFF;
        final char[] u = U;
        for (int lastBlock = end - BLOCK; i <= lastBlock; i += BLOCK) {
            int a = c;
            int b = 0;
            int d = 0;
            for (int j = i, stop = i + LANE; j < stop; j += 8) {
                long v = bytes.getLong(j);
                a = u[U3 + ((int) (v >>> 48) ^ a)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                        ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
                v = bytes.getLong(j + LANE);
                b = u[U3 + ((int) (v >>> 48) ^ b)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                        ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
                v = bytes.getLong(j + 2 * LANE);
                d = u[U3 + ((int) (v >>> 48) ^ d)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                        ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
            }
            c = skipLane(skipLane(a) ^ b) ^ d;
        }
        for (int last = end - 8; i <= last; i += 8) {
            long v = bytes.getLong(i);
            c = u[U3 + ((int) (v >>> 48) ^ c)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                    ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
        }
        for (; i < end; i++) {
            c = ((c << 8) ^ T0[((c >>> 8) ^ bytes.get(i)) & 0xFF]) & 0xFFFF;
        }
        return c;
    }

    /**
     * Feeds {@code length} readable bytes of {@code buf} from the absolute {@code index}, without moving its indexes.
     */
    public static int update(int crc, ByteBuf buf, int index, int length) {
        if (index < 0 || length < 0 || index > buf.capacity() - length) {
            throw new IndexOutOfBoundsException("index " + index + " length " + length + " capacity " + buf.capacity());
        }
        if (buf.hasArray()) {
            return update(crc, buf.array(), buf.arrayOffset() + index, length);
        }
        if (length >= BLOCK && buf.hasMemoryAddress()) {
            return updateAt(crc, buf.memoryAddress() + index, length);
        }
        if (length >= BLOCK && buf.nioBufferCount() == 1) {
            ByteBuffer view = buf.internalNioBuffer(index, length);
            if (view.order() == ByteOrder.BIG_ENDIAN) {
                return update(crc, view, view.position(), length);
            }
        }
        int i = index;
        int end = index + length;
        int c = crc & 0xFFFF;
        final char[] u = U;
        for (int last = end - 8; i <= last; i += 8) {
            long v = buf.getLong(i);
            c = u[U3 + ((int) (v >>> 48) ^ c)] ^ u[U2 + ((int) (v >>> 32) & 0xFFFF)]
                    ^ u[U1 + ((int) (v >>> 16) & 0xFFFF)] ^ u[(int) v & 0xFFFF];
        }
        for (; i < end; i++) {
            c = ((c << 8) ^ T0[((c >>> 8) ^ buf.getByte(i)) & 0xFF]) & 0xFFFF;
        }
        return c;
    }
}
