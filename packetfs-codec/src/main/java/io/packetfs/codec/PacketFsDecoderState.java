package io.packetfs.codec;

/**
 * The seed's decoder state machine, kept by {@link PacketFsSyncValidator}.
 *
 * <pre>
 *   LISTENING --refs--&gt; PROCESSING --no SYNC--&gt; DATA_READY --refs--&gt; PROCESSING ...
 *                           |
 *                       SYNC unit
 *                           v
 *                      SYNC_FOUND --window id and CRC valid--&gt; SYNCHRONIZED
 *                           |
 *                           +------- gap, duplicate, bad CRC --&gt; LISTENING (waits for the next valid SYNC)
 * </pre>
 */
public enum PacketFsDecoderState {
    /** No valid SYNC seen yet, or synchronisation was lost. */
    LISTENING,
    /** References of the current window are arriving. */
    PROCESSING,
    /** A SYNC unit arrived and is being validated. */
    SYNC_FOUND,
    /** The last window was complete and valid. */
    SYNCHRONIZED,
    /** References were passed on; the window is still open. */
    DATA_READY
}
