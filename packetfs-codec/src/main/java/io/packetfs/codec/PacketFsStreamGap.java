package io.packetfs.codec;

/**
 * A user event that {@link PacketFsTierDecoder} fires when a frame's Sequence Number shows that frames before it are
 * missing or that it arrived late (a loss, a duplicate, a reordering), before the frame's units: the stream's
 * output from here on may lack bytes that the sender's did not. {@code PacketFsPoolDecoderHandler} breaks its
 * history on it (docs/PROTOCOL.md 8.7), so that a later copy from the stream's earlier output is refused rather
 * than decoded against other bytes. Reliable delivery never lets it happen. Passed on down the pipeline.
 */
public final class PacketFsStreamGap {

    /** The event. */
    public static final PacketFsStreamGap INSTANCE = new PacketFsStreamGap();

    private PacketFsStreamGap() {
    }

    @Override
    public String toString() {
        return "PacketFsStreamGap";
    }
}
