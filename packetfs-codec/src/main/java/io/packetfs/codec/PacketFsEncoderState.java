package io.packetfs.codec;

/**
 * The seed's encoder state machine, kept by {@link PacketFsSyncInserter}.
 *
 * <pre>
 *   INITIALIZED --first refs--&gt; ACCUMULATING --pack_refs()--&gt; ENCODING --run passed on--&gt; ACCUMULATING
 *                                                             |
 *                                          window boundary reached
 *                                                             v
 *                                ACCUMULATING &lt;--emit_sync()-- SYNC_READY
 * </pre>
 */
public enum PacketFsEncoderState {
    /** No reference written yet. */
    INITIALIZED,
    /** A window is open and takes references. */
    ACCUMULATING,
    /** A run of references is being passed to the tier encoder. */
    ENCODING,
    /** The window is full (or asked closed); its SYNC unit is next. */
    SYNC_READY
}
