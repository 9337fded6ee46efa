package io.packetfs.codec.reliability;

import io.netty.channel.ChannelException;

/**
 * The peer of a reliable session acknowledged nothing and sent nothing valid for the configured peer timeout
 * (docs/PROTOCOL.md 9.3) while frames waited for it: it left, or the path is down. Not a decoding error (no input
 * was wrong), so not a {@link io.packetfs.codec.PacketFsException}; like Netty's {@code ReadTimeoutException}, the
 * reliability handler fires it once down the pipeline and keeps the channel open for the application to decide.
 */
public final class PacketFsPeerTimeoutException extends ChannelException {

    private static final long serialVersionUID = 1L;

    private final long silentNanos;

    public PacketFsPeerTimeoutException(String message, long silentNanos) {
        super(message);
        this.silentNanos = silentNanos;
    }

    /** How long the peer had been silent, in nanoseconds. */
    public long silentNanos() {
        return silentNanos;
    }
}
