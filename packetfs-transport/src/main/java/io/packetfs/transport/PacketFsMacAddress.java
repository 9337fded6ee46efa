package io.packetfs.transport;

import java.util.Arrays;

/** A 48-bit Ethernet MAC address. Immutable. */
public final class PacketFsMacAddress {

    /** ff:ff:ff:ff:ff:ff, the seed's default destination: every station on the segment. */
    public static final PacketFsMacAddress BROADCAST = new PacketFsMacAddress(new byte[] {-1, -1, -1, -1, -1, -1});

    /** Address length in bytes. */
    public static final int LENGTH = 6;

    private final byte[] bytes;

    private PacketFsMacAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    /** From 6 bytes (copied). */
    public static PacketFsMacAddress of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, got " + bytes.length);
        }
        return new PacketFsMacAddress(bytes.clone());
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with '-' separators). */
    public static PacketFsMacAddress parse(String text) {
        String[] parts = text.trim().split("[:-]");
        if (parts.length != LENGTH) {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address (expected aa:bb:cc:dd:ee:ff)");
        }
        byte[] b = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            if (parts[i].length() != 2) {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address (expected aa:bb:cc:dd:ee:ff)");
            }
            try {
                b[i] = (byte) Integer.parseInt(parts[i], 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address (expected aa:bb:cc:dd:ee:ff)");
            }
        }
        return new PacketFsMacAddress(b);
    }

    /** A copy of the 6 bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** Byte {@code i} (0..5). */
    public int byteAt(int i) {
        return bytes[i] & 0xFF;
    }

    /** True for group addresses (multicast and broadcast): the low bit of the first byte is set. */
    public boolean isGroup() {
        return (bytes[0] & 1) != 0;
    }

    /** True for ff:ff:ff:ff:ff:ff. */
    public boolean isBroadcast() {
        return equals(BROADCAST);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PacketFsMacAddress && Arrays.equals(bytes, ((PacketFsMacAddress) o).bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2], bytes[3], bytes[4],
                bytes[5]);
    }
}
