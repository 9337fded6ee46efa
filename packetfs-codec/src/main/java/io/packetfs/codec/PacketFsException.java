package io.packetfs.codec;

import io.netty.handler.codec.DecoderException;

/**
 * The base of every error that PacketFS input can cause. A {@link Reason} says which rule of docs/PROTOCOL.md the
 * input broke; the message names the value seen and the limit. The decoder that throws it has already consumed the
 * offending frame, so the next valid frame decodes normally. A silent peer is not input that broke a rule: it is a
 * {@link io.packetfs.codec.reliability.PacketFsPeerTimeoutException}.
 */
public class PacketFsException extends DecoderException {

    private static final long serialVersionUID = 1L;

    /** Which rule the input broke. */
    public enum Reason {
        /** A frame or unit ends before its declared length. */
        TRUNCATED,
        /** The frame header names a version this decoder does not speak. */
        UNSUPPORTED_VERSION,
        /** Reserved flag bits are set. */
        RESERVED_FLAGS,
        /** The frame length field is below the header length or above the configured limit. */
        BAD_FRAME_LENGTH,
        /** The frame was sent with a window size or CRC setting other than this receiver's. */
        CONFIG_MISMATCH,
        /** The CRC16 of a window's references differs from the one in its SYNC unit. */
        CRC_MISMATCH,
        /** One or more windows (their SYNC units) never arrived. */
        MISSING_WINDOW,
        /** A SYNC unit for a window that was already closed arrived again. */
        DUPLICATE_WINDOW,
        /** More references arrived than a window holds, so its SYNC unit was lost. */
        WINDOW_OVERFLOW,
        /** A reference names a unit outside the receiver's pool. */
        REF_OUT_OF_POOL,
        /** A coded COPY unit's stream does not decode to its stated commands (docs/PROTOCOL.md 8.8). */
        BAD_CODING,
        /**
         * A COPY command copies from the stream's earlier output (docs/PROTOCOL.md 8.7) that this receiver does not
         * hold: a unit before it was lost or refused, or the command reaches further back than 64 KiB.
         */
        HISTORY_UNAVAILABLE
    }

    private final Reason reason;

    public PacketFsException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    /** The rule the input broke. */
    public Reason reason() {
        return reason;
    }
}
