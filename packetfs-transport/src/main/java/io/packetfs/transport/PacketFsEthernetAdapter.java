package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.packetfs.codec.reliability.PacketFsReliability;

/**
 * The bottom of a PacketFS pipeline on raw Ethernet: one PacketFS frame per Ethernet frame. Inbound
 * {@link PacketFsEthernetFrame}s become their payload {@link ByteBuf}; outbound {@link ByteBuf}s become frames to the
 * configured peer, or else to the source of the last frame received, or else to broadcast (the seed's default).
 * Once a {@link PacketFsReliability} handler above has locked onto its peer's session (channel
 * attribute {@link PacketFsReliability#PEER_LOCKED}), the station that sent the locking frame is
 * the only one answered and heard: frames from other stations are dropped and counted ({@link #foreignFrames()}).
 * Not {@code @Sharable}: it remembers the last sender.
 */
public final class PacketFsEthernetAdapter extends ChannelDuplexHandler {

    private final PacketFsMacAddress peer;
    private PacketFsMacAddress lastSender;
    private PacketFsMacAddress lockedPeer;
    private long foreignFrames;

    /** An adapter that sends to {@code peer}; null means "the last sender, else broadcast". */
    public PacketFsEthernetAdapter(PacketFsMacAddress peer) {
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PacketFsEthernetFrame) {
            PacketFsEthernetFrame frame = (PacketFsEthernetFrame) msg;
            PacketFsMacAddress source = frame.source();
            if (lockedPeer != null && !lockedPeer.equals(source)) {
                foreignFrames++;
                frame.release();
                return;
            }
            if (source != null) {
                lastSender = source;
            }
            ctx.fireChannelRead(frame.content().retain());
            frame.release();
            if (lockedPeer == null && source != null
                    && Boolean.TRUE.equals(ctx.channel().attr(PacketFsReliability.PEER_LOCKED).get())) {
                lockedPeer = source; // the frame just passed up is the one the session locked onto
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf) {
            ctx.write(new PacketFsEthernetFrame(currentPeer(), (ByteBuf) msg), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    /** Frames dropped because they came from another station than the locked peer. */
    public long foreignFrames() {
        return foreignFrames;
    }

    /** Where frames go now. */
    public PacketFsMacAddress currentPeer() {
        if (peer != null) {
            return peer;
        }
        if (lockedPeer != null) {
            return lockedPeer;
        }
        return lastSender != null ? lastSender : PacketFsMacAddress.BROADCAST;
    }
}
