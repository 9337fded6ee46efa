package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.PromiseCombiner;
import io.netty.util.internal.ObjectUtil;

/**
 * Outbound: bytes in, runs of pool references out, through a {@link PacketFsPoolEncoder}. Place it before
 * {@link PacketFsSyncInserter} (that is, after it in {@code addLast} order, as with the inserter and the tier encoder).
 *
 * <pre>
 *   write(ByteBuf 3000 B)        =&gt;  write(PacketFsRefs L1 x9), write(PacketFsRefs L3 x2) ... (input released)
 *   write(PacketFsCloseWindow)   =&gt;  the carry and the open run are written, then PacketFsCloseWindow
 *   flush()                      =&gt;  the open run is written (the carry, under one unit, waits), then flush
 * </pre>
 *
 * A write's promise completes when every run it produced is written (at once when it only filled the carry or the
 * open run). Other messages pass through. Not {@code @Sharable}: it holds the carry.
 */
public class PacketFsPoolEncoderHandler extends ChannelOutboundHandlerAdapter {

    private final PacketFsPoolEncoder encoder;
    private final PacketFsPoolRunSink sink = this::onRun;
    private ChannelHandlerContext ctx;
    private PromiseCombiner combiner;

    /** A handler around {@code encoder} (one per channel). */
    public PacketFsPoolEncoderHandler(PacketFsPoolEncoder encoder) {
        this.encoder = ObjectUtil.checkNotNull(encoder, "encoder");
    }

    /** The encoder, for its counters. */
    public PacketFsPoolEncoder encoder() {
        return encoder;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf) {
            ByteBuf in = (ByteBuf) msg;
            begin(promise);
            try {
                encoder.encode(in, sink);
            } catch (Throwable t) {
                combiner = null;
                promise.tryFailure(t);
                return;
            } finally {
                in.release();
            }
            end(promise);
        } else if (msg instanceof PacketFsCloseWindow) {
            begin(promise);
            try {
                encoder.finish(sink);
            } catch (Throwable t) {
                combiner = null;
                promise.tryFailure(t);
                return;
            }
            if (combiner != null) {
                combiner.add(ctx.write(msg));
            } else {
                ctx.write(msg, promise);
            }
            end(promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        encoder.flushRun(sink);
        ctx.flush();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        encoder.reset();
    }

    private void begin(ChannelPromise promise) {
        combiner = promise.isVoid() ? null : new PromiseCombiner(ctx.executor());
    }

    private void end(ChannelPromise promise) {
        PromiseCombiner c = combiner;
        combiner = null;
        if (c != null) {
            c.finish(promise);
        }
    }

    private void onRun(PacketFsRefs run) {
        if (combiner != null) {
            combiner.add(ctx.write(run));
        } else {
            ctx.write(run, ctx.voidPromise());
        }
    }
}
