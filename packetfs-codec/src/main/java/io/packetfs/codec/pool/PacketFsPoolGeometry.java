package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.packetfs.codec.internal.PacketFsPrp32;

import java.nio.ByteBuffer;

/**
 * Tier geometry of a pool: what one reference of each tier addresses. Both peers must agree on it, so it is part of
 * the pool fingerprint and travels in HELLO in a fixed 24-byte binary form ({@link #writeTo(ByteBuf)}). Immutable;
 * build with {@link #builder()}; {@link #DEFAULT} is the tuned default.
 *
 * <pre>
 *   tier  reference  addresses                                         default
 *   L1    8 bits     one byte of the 256-byte table, a keyed           key 0
 *                    permutation of 0..255 (so any byte is expressible)
 *   L2    16 bits    unit r of l2UnitBytes in the first l2RegionBytes   64 B units of the first 4 MiB
 *                    of the pool (at most 65,536 units)
 *   L3    32 bits    unit r of l3UnitBytes in the whole pool            1 KiB units (pools up to 4 TiB)
 * </pre>
 *
 * Binary form, {@value #ENCODED_LENGTH} bytes, big-endian:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------+-----------------------------------------------+
 * | Form (1)      |              Reserved (0)                     |
 * +---------------+-----------------------------------------------+
 * |                          L1 Key                               |
 * +---------------------------------------------------------------+
 * |                       L2 Unit Bytes                           |
 * +---------------------------------------------------------------+
 * |                  L2 Region Bytes (64 bits)                    |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                       L3 Unit Bytes                           |
 * +---------------------------------------------------------------+
 * </pre>
 */
public final class PacketFsPoolGeometry {

    /** Bytes of the binary form. */
    public static final int ENCODED_LENGTH = 24;
    /** Value of the Form field written by this version. */
    public static final int FORM = 1;

    static final int FORM_OFFSET = 0;
    static final int L1_KEY_OFFSET = 4;
    static final int L2_UNIT_OFFSET = 8;
    static final int L2_REGION_OFFSET = 12;
    static final int L3_UNIT_OFFSET = 20;

    /** Smallest L2 and L3 unit: a reference must name more bytes than it takes on the wire. */
    public static final int MIN_UNIT_BYTES = 8;
    /** Largest unit: 1 MiB (a unit never crosses a pool mapping chunk of 1 GiB). */
    public static final int MAX_UNIT_BYTES = 1 << 20;
    /** L2 references are 16 bits: at most 65,536 L2 units. */
    public static final int MAX_L2_UNITS = 1 << 16;

    /** The default: L1 key 0, L2 64-byte units of the first 4 MiB, L3 1 KiB units. */
    public static final PacketFsPoolGeometry DEFAULT = builder().build();

    private final int l1Key;
    private final int l2UnitBytes;
    private final long l2RegionBytes;
    private final int l3UnitBytes;
    private final byte[] l1Table;
    private final byte[] l1Inverse;

    private PacketFsPoolGeometry(Builder b) {
        this.l1Key = b.l1Key;
        this.l2UnitBytes = b.l2UnitBytes;
        this.l2RegionBytes = b.l2RegionBytes;
        this.l3UnitBytes = b.l3UnitBytes;
        this.l1Table = l1Table(l1Key);
        this.l1Inverse = new byte[256];
        for (int r = 0; r < 256; r++) {
            l1Inverse[l1Table[r] & 0xFF] = (byte) r;
        }
    }

    /**
     * The L1 table for {@code key}: {@code table[r]} is the byte b of rank r when the 256 bytes are sorted by
     * {@code prp32(b, key)} as unsigned 32-bit numbers ({@link PacketFsPrp32#permute}); prp32 is a bijection, so
     * the ranks are distinct and the table is a permutation of 0..255.
     */
    static byte[] l1Table(int key) {
        long[] keyed = new long[256];
        for (int b = 0; b < 256; b++) {
            keyed[b] = (Integer.toUnsignedLong(PacketFsPrp32.permute(b, key)) << 8) | b;
        }
        java.util.Arrays.sort(keyed);
        byte[] table = new byte[256];
        for (int r = 0; r < 256; r++) {
            table[r] = (byte) keyed[r];
        }
        return table;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this geometry. */
    public Builder toBuilder() {
        return new Builder().l1Key(l1Key).l2UnitBytes(l2UnitBytes).l2RegionBytes(l2RegionBytes)
                .l3UnitBytes(l3UnitBytes);
    }

    /** Key of the 256-byte L1 table permutation. */
    public int l1Key() {
        return l1Key;
    }

    /** Bytes named by one L2 reference. */
    public int l2UnitBytes() {
        return l2UnitBytes;
    }

    /** L2 references address units of the first {@code l2RegionBytes} of the pool (0: no L2 tier). */
    public long l2RegionBytes() {
        return l2RegionBytes;
    }

    /** Bytes named by one L3 reference. */
    public int l3UnitBytes() {
        return l3UnitBytes;
    }

    /** The byte that L1 reference {@code ref} (0..255) stands for. */
    public int l1Byte(int ref) {
        return l1Table[ref & 0xFF] & 0xFF;
    }

    /** The L1 reference that stands for byte {@code b}. */
    public int l1Ref(int b) {
        return l1Inverse[b & 0xFF] & 0xFF;
    }

    /** A copy of the L1 table ({@code table[ref]} is the byte). */
    public byte[] l1Table() {
        return l1Table.clone();
    }

    byte[] l1TableShared() {
        return l1Table;
    }

    byte[] l1InverseShared() {
        return l1Inverse;
    }

    /** Writes the {@value #ENCODED_LENGTH}-byte binary form at the writer index (big-endian). */
    public void writeTo(ByteBuf out) {
        out.writeByte(FORM);
        out.writeMedium(0);
        out.writeInt(l1Key);
        out.writeInt(l2UnitBytes);
        out.writeLong(l2RegionBytes);
        out.writeInt(l3UnitBytes);
    }

    /** Writes the binary form at the buffer's position (big-endian whatever the buffer's order). */
    public void writeTo(ByteBuffer out) {
        ByteBuffer b = out.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        b.put((byte) FORM).put((byte) 0).putShort((short) 0).putInt(l1Key).putInt(l2UnitBytes)
                .putLong(l2RegionBytes).putInt(l3UnitBytes);
        out.position(out.position() + ENCODED_LENGTH);
    }

    /** The binary form as a new array. */
    public byte[] toBytes() {
        byte[] a = new byte[ENCODED_LENGTH];
        writeTo(ByteBuffer.wrap(a));
        return a;
    }

    /**
     * Reads a binary form at the reader index and advances it. Throws IllegalArgumentException (after consuming
     * the {@value #ENCODED_LENGTH} bytes) on an unknown form, reserved bits set or values out of range.
     */
    public static PacketFsPoolGeometry readFrom(ByteBuf in) {
        if (in.readableBytes() < ENCODED_LENGTH) {
            throw new IllegalArgumentException("pool geometry needs " + ENCODED_LENGTH + " bytes, "
                    + in.readableBytes() + " readable");
        }
        byte[] a = new byte[ENCODED_LENGTH];
        in.readBytes(a);
        return readFrom(ByteBuffer.wrap(a));
    }

    /** Reads a binary form at the buffer's position and advances it; errors as {@link #readFrom(ByteBuf)}. */
    public static PacketFsPoolGeometry readFrom(ByteBuffer in) {
        if (in.remaining() < ENCODED_LENGTH) {
            throw new IllegalArgumentException("pool geometry needs " + ENCODED_LENGTH + " bytes, "
                    + in.remaining() + " remaining");
        }
        ByteBuffer b = in.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        in.position(in.position() + ENCODED_LENGTH);
        int form = b.getInt();
        if (form != FORM << 24) {
            throw new IllegalArgumentException(String.format(
                    "pool geometry form/reserved word 0x%08X (expected 0x%08X)", form, FORM << 24));
        }
        return builder().l1Key(b.getInt()).l2UnitBytes(b.getInt()).l2RegionBytes(b.getLong())
                .l3UnitBytes(b.getInt()).build();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PacketFsPoolGeometry)) {
            return false;
        }
        PacketFsPoolGeometry g = (PacketFsPoolGeometry) o;
        return l1Key == g.l1Key && l2UnitBytes == g.l2UnitBytes && l2RegionBytes == g.l2RegionBytes
                && l3UnitBytes == g.l3UnitBytes;
    }

    @Override
    public int hashCode() {
        return ((l1Key * 31 + l2UnitBytes) * 31 + Long.hashCode(l2RegionBytes)) * 31 + l3UnitBytes;
    }

    @Override
    public String toString() {
        return "l1_key=" + Integer.toUnsignedString(l1Key) + " l2_unit=" + l2UnitBytes + " l2_region="
                + l2RegionBytes + " l3_unit=" + l3UnitBytes;
    }

    /** Builds a {@link PacketFsPoolGeometry}; {@link #build()} validates. */
    public static final class Builder {
        /** Default L1 key: 0. */
        private int l1Key;
        /** Default L2 unit: 64 bytes. */
        private int l2UnitBytes = 64;
        /** Default L2 region: the first 4 MiB (65,536 units of 64 bytes). */
        private long l2RegionBytes = 4L << 20;
        /** Default L3 unit: 1 KiB, so 32-bit references reach 4 TiB. */
        private int l3UnitBytes = 1024;

        private Builder() {
        }

        /** Key of the L1 table permutation (any 32-bit value). */
        public Builder l1Key(int l1Key) {
            this.l1Key = l1Key;
            return this;
        }

        /** Bytes per L2 unit: a power of two, {@value #MIN_UNIT_BYTES}..{@value #MAX_UNIT_BYTES}. */
        public Builder l2UnitBytes(int l2UnitBytes) {
            this.l2UnitBytes = l2UnitBytes;
            return this;
        }

        /** Bytes of the pool's head addressed by L2: a multiple of the L2 unit, at most 65,536 units; 0 = none. */
        public Builder l2RegionBytes(long l2RegionBytes) {
            this.l2RegionBytes = l2RegionBytes;
            return this;
        }

        /** Bytes per L3 unit: a power of two, {@value #MIN_UNIT_BYTES}..{@value #MAX_UNIT_BYTES}. */
        public Builder l3UnitBytes(int l3UnitBytes) {
            this.l3UnitBytes = l3UnitBytes;
            return this;
        }

        /** Validates and builds. */
        public PacketFsPoolGeometry build() {
            checkUnit("l2UnitBytes", l2UnitBytes);
            checkUnit("l3UnitBytes", l3UnitBytes);
            if (l2RegionBytes < 0 || l2RegionBytes % l2UnitBytes != 0
                    || l2RegionBytes / l2UnitBytes > MAX_L2_UNITS) {
                throw new IllegalArgumentException("l2RegionBytes " + l2RegionBytes + " (expected a multiple of "
                        + l2UnitBytes + " up to " + (long) MAX_L2_UNITS * l2UnitBytes + ")");
            }
            return new PacketFsPoolGeometry(this);
        }

        private static void checkUnit(String name, int v) {
            if (v < MIN_UNIT_BYTES || v > MAX_UNIT_BYTES || Integer.bitCount(v) != 1) {
                throw new IllegalArgumentException(name + " " + v + " (expected a power of two, "
                        + MIN_UNIT_BYTES + ".." + MAX_UNIT_BYTES + ")");
            }
        }
    }
}
