package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * The bottom of a PacketFS pipeline on raw Ethernet: one PacketFS frame per Ethernet frame. Inbound
 * {@link PacketFsEthernetFrame}s become their payload {@link ByteBuf}; outbound {@link ByteBuf}s become frames to the
 * configured peer, or else to the source of the last frame received, or else to broadcast (the seed's default).
 * Not {@code @Sharable}: it remembers the last sender.
 */
public final class PacketFsEthernetAdapter extends ChannelDuplexHandler {

    private final PacketFsMacAddress peer;
    private PacketFsMacAddress lastSender;

    /** An adapter that sends to {@code peer}; null means "the last sender, else broadcast". */
    public PacketFsEthernetAdapter(PacketFsMacAddress peer) {
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PacketFsEthernetFrame) {
            PacketFsEthernetFrame frame = (PacketFsEthernetFrame) msg;
            if (frame.source() != null) {
                lastSender = frame.source();
            }
            ctx.fireChannelRead(frame.content().retain());
            frame.release();
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

    /** Where frames go now. */
    public PacketFsMacAddress currentPeer() {
        if (peer != null) {
            return peer;
        }
        return lastSender != null ? lastSender : PacketFsMacAddress.BROADCAST;
    }
}
