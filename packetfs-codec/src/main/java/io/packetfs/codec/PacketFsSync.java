package io.packetfs.codec;

/**
 * A SYNC control unit: it closes a window and names it. Immutable value.
 *
 * <pre>
 *   +--------+--------+--------+--------+--------+
 *   |  0xF0  |   window id     |  CRC16 (if C)   |
 *   +--------+--------+--------+--------+--------+
 * </pre>
 */
public final class PacketFsSync {

    /** What the receiving side has established about the window's CRC. */
    public enum CrcStatus {
        /** Nothing checked (CRC off, or no checker in the pipeline yet). */
        UNCHECKED,
        /** The window's references match the CRC. */
        MATCH,
        /** The window's references do not match the CRC: the window is corrupt. */
        MISMATCH
    }

    private final int windowId;
    private final int crc;
    private final boolean hasCrc;
    private final CrcStatus status;

    private PacketFsSync(int windowId, int crc, boolean hasCrc, CrcStatus status) {
        if ((windowId & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("window id " + windowId + " (expected 0..65535)");
        }
        if ((crc & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("crc " + crc + " (expected 0..65535)");
        }
        this.windowId = windowId;
        this.crc = crc;
        this.hasCrc = hasCrc;
        this.status = status;
    }

    /** A SYNC unit that carries a CRC16. */
    public static PacketFsSync withCrc(int windowId, int crc) {
        return new PacketFsSync(windowId, crc, true, CrcStatus.UNCHECKED);
    }

    /** A SYNC unit without CRC (the configuration has CRC off). */
    public static PacketFsSync withoutCrc(int windowId) {
        return new PacketFsSync(windowId, 0, false, CrcStatus.UNCHECKED);
    }

    /** The same unit with a CRC verdict attached. */
    public PacketFsSync withStatus(CrcStatus status) {
        return new PacketFsSync(windowId, crc, hasCrc, status);
    }

    /** The window id, 0..65535, counting up from 0 and rolling over. */
    public int windowId() {
        return windowId;
    }

    /** The CRC16 field (0 when {@link #hasCrc()} is false). */
    public int crc() {
        return crc;
    }

    /** Whether the unit carries a CRC16 field. */
    public boolean hasCrc() {
        return hasCrc;
    }

    /** The CRC verdict a receiving pipeline attached. */
    public CrcStatus status() {
        return status;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PacketFsSync)) {
            return false;
        }
        PacketFsSync s = (PacketFsSync) o;
        return windowId == s.windowId && crc == s.crc && hasCrc == s.hasCrc && status == s.status;
    }

    @Override
    public int hashCode() {
        return (windowId * 31 + crc) * 31 + (hasCrc ? 1 : 0) + status.ordinal() * 7;
    }

    @Override
    public String toString() {
        return hasCrc ? String.format("PacketFsSync(window=%d, crc=0x%04X, %s)", windowId, crc, status)
                : "PacketFsSync(window=" + windowId + ", no crc)";
    }
}
