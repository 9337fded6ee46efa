package io.packetfs.codec;

/**
 * Written outbound, asks {@link PacketFsSyncInserter} to close the current window now, before it is full (at the end
 * of a transfer, for example), so that its last references are covered by a SYNC unit. A no-op on an empty window.
 */
public final class PacketFsCloseWindow {

    /** The only instance. */
    public static final PacketFsCloseWindow INSTANCE = new PacketFsCloseWindow();

    private PacketFsCloseWindow() {
    }

    @Override
    public String toString() {
        return "PacketFsCloseWindow";
    }
}
