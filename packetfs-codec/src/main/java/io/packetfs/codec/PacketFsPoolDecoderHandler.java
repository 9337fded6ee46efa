package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.ObjectUtil;

/**
 * Inbound: runs of pool references in, the pool's bytes out (one {@link ByteBuf} per run), through a
 * {@link PacketFsPoolDecoder}. Place it after {@link PacketFsTierDecoder} (and the window checks).
 *
 * <pre>
 *   PacketFsRefs L3 x2        =&gt;  ByteBuf of 2 x l3UnitBytes  (the run is released)
 *   PacketFsSync, others      =&gt;  passed on unchanged
 *   PacketFsRefs L3 [huge]    =&gt;  exceptionCaught(PacketFsPoolException), counted; the next run decodes
 * </pre>
 *
 * Not {@code @Sharable}: the decoder holds buffer duplicates and counters.
 */
public class PacketFsPoolDecoderHandler extends ChannelInboundHandlerAdapter {

    private final PacketFsPoolDecoder decoder;
    private long runsDecoded;
    private long errors;

    /** A handler around {@code decoder} (one per channel). */
    public PacketFsPoolDecoderHandler(PacketFsPoolDecoder decoder) {
        this.decoder = ObjectUtil.checkNotNull(decoder, "decoder");
    }

    /** The decoder, for its counters ({@link PacketFsPoolDecoder#refsRejected()}). */
    public PacketFsPoolDecoder decoder() {
        return decoder;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof PacketFsRefs)) {
            ctx.fireChannelRead(msg);
            return;
        }
        PacketFsRefs run = (PacketFsRefs) msg;
        ByteBuf out = null;
        try {
            long len = decoder.decodedLength(run);
            out = ctx.alloc().buffer((int) Math.min(len, Integer.MAX_VALUE - 8));
            decoder.decode(run, out);
        } catch (PacketFsPoolException e) {
            out.release();
            errors++;
            ctx.fireExceptionCaught(e);
            return;
        } catch (Throwable t) {
            if (out != null) {
                out.release();
            }
            throw t;
        } finally {
            run.release();
        }
        runsDecoded++;
        ctx.fireChannelRead(out);
    }

    /** Runs decoded. */
    public long runsDecoded() {
        return runsDecoded;
    }

    /** Runs refused (a reference outside the pool). */
    public long errors() {
        return errors;
    }
}
