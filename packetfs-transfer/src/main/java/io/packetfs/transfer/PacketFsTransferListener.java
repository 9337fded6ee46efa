package io.packetfs.transfer;

/**
 * Hears how far a transfer got. Called on the channel's event loop: return quickly, never block. A sender reports
 * file bytes handed to the encoder, a receiver file bytes written.
 */
@FunctionalInterface
public interface PacketFsTransferListener {

    /** Hears nothing. */
    PacketFsTransferListener NONE = (done, total) -> {
    };

    /** {@code done} of {@code total} file bytes; {@code total} is -1 until the receiver knows it. */
    void onProgress(long done, long total);
}
