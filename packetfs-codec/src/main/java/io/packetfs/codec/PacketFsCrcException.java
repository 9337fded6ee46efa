package io.packetfs.codec;

/** A window's references do not match the CRC16 of its SYNC unit: they were corrupted in transit or lost. */
public final class PacketFsCrcException extends PacketFsException {

    private static final long serialVersionUID = 1L;

    private final int windowId;
    private final int expectedCrc;
    private final int actualCrc;

    public PacketFsCrcException(int windowId, int expectedCrc, int actualCrc) {
        super(Reason.CRC_MISMATCH, String.format(
                "window %d: SYNC carries CRC16 0x%04X, the received references give 0x%04X; "
                        + "the window's references are corrupt (retransmit the window or resend)",
                windowId, expectedCrc, actualCrc));
        this.windowId = windowId;
        this.expectedCrc = expectedCrc;
        this.actualCrc = actualCrc;
    }

    /** The window whose references failed. */
    public int windowId() {
        return windowId;
    }

    /** The CRC16 that the SYNC unit carried. */
    public int expectedCrc() {
        return expectedCrc;
    }

    /** The CRC16 of the references as received. */
    public int actualCrc() {
        return actualCrc;
    }
}
