package io.packetfs.codec;

/** The window sequence broke: windows went missing, arrived twice, or overflowed because a SYNC unit was lost. */
public final class PacketFsWindowException extends PacketFsException {

    private static final long serialVersionUID = 1L;

    private final int expectedWindowId;
    private final int actualWindowId;

    public PacketFsWindowException(Reason reason, int expectedWindowId, int actualWindowId, String message) {
        super(reason, message);
        this.expectedWindowId = expectedWindowId;
        this.actualWindowId = actualWindowId;
    }

    /** The window id the receiver expected next. */
    public int expectedWindowId() {
        return expectedWindowId;
    }

    /** The window id that arrived, or -1 when no SYNC unit arrived (window overflow). */
    public int actualWindowId() {
        return actualWindowId;
    }
}
