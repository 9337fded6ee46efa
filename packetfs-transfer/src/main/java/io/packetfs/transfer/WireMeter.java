package io.packetfs.transfer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/** Sits right above the transport adapter and counts PacketFS frames and their bytes, both ways. */
final class WireMeter extends ChannelDuplexHandler {

    volatile long framesOut;
    volatile long bytesOut;
    volatile long framesIn;
    volatile long bytesIn;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf) {
            framesOut++;
            bytesOut += ((ByteBuf) msg).readableBytes();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            framesIn++;
            bytesIn += ((ByteBuf) msg).readableBytes();
        }
        ctx.fireChannelRead(msg);
    }
}
