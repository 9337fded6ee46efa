package io.packetfs.codec;

/**
 * The three reference tiers and their 2-bit tier codes (docs/PROTOCOL.md, "Units").
 *
 * <pre>
 *   code  tier  reference width
 *   00    L1     8 bits
 *   01    L2    16 bits
 *   10    L3    32 bits
 *   11    (control unit, not a tier)
 * </pre>
 */
public enum PacketFsTier {
    /** 8-bit references. */
    L1(0b00, 8),
    /** 16-bit references. */
    L2(0b01, 16),
    /** 32-bit references. */
    L3(0b10, 32);

    private static final PacketFsTier[] BY_CODE = {L1, L2, L3};

    private final int code;
    private final int bits;
    private final int bytes;
    private final long maxRef;

    PacketFsTier(int code, int bits) {
        this.code = code;
        this.bits = bits;
        this.bytes = bits >>> 3;
        this.maxRef = (1L << bits) - 1;
    }

    /** The 2-bit tier code on the wire. */
    public int code() {
        return code;
    }

    /** Reference width in bits. */
    public int bits() {
        return bits;
    }

    /** Reference width in bytes. */
    public int bytes() {
        return bytes;
    }

    /** The largest reference value of this tier (unsigned). */
    public long maxRef() {
        return maxRef;
    }

    /** Tier number as the seed's metrics name it: 0, 1 or 2. */
    public int index() {
        return code;
    }

    /** Tier for a 2-bit code 0..2; code 3 is the control escape and has no tier. */
    public static PacketFsTier fromCode(int code) {
        if (code < 0 || code > 2) {
            throw new IllegalArgumentException("tier code " + code + " is not a tier (expected 0..2)");
        }
        return BY_CODE[code];
    }

    /** The narrowest tier that holds the unsigned value {@code ref}. */
    public static PacketFsTier narrowest(int ref) {
        if ((ref & 0xFFFFFF00) == 0) {
            return L1;
        }
        return (ref & 0xFFFF0000) == 0 ? L2 : L3;
    }
}
