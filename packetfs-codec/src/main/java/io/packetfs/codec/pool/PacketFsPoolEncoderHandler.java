package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.PromiseCombiner;
import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.PacketFsCloseWindow;
import io.packetfs.codec.PacketFsCopyUnit;
import io.packetfs.codec.PacketFsMeterBinder;
import io.packetfs.codec.PacketFsMeterSource;
import io.packetfs.codec.PacketFsMetricNames;
import io.packetfs.codec.PacketFsSyncInserter;

/**
 * Outbound: bytes in, COPY units (pool extents and literals) out, through a {@link PacketFsPoolEncoder}. Place it
 * before {@link PacketFsSyncInserter} (that is, after it in {@code addLast} order, as with the inserter and the tier
 * encoder). Its units have bodies of at most {@link PacketFsPoolEncoder#DEFAULT_MAX_BODY} bytes unless the encoder was
 * built with another limit: the tier encoder's frames must hold a unit of body + 3 bytes.
 *
 * <pre>
 *   write(ByteBuf 3000 B)        =&gt;  write(PacketFsCopyUnit) for each full unit ... (input released)
 *   write(PacketFsCloseWindow)   =&gt;  everything left is written, then PacketFsCloseWindow
 *   flush()                      =&gt;  the open unit is written (the last bytes, fewer than 8, wait), then flush
 * </pre>
 *
 * A write's promise completes when every unit it produced is written (at once when it only filled the carry or the
 * open unit). Other messages pass through. Not {@code @Sharable}: it holds the carry.
 */
public class PacketFsPoolEncoderHandler extends ChannelOutboundHandlerAdapter implements PacketFsMeterSource {

    private final PacketFsPoolEncoder encoder;
    private final PacketFsPoolCopySink sink = this::onCopy;
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

    /**
     * Binds the encoder's {@link PacketFsPoolEncoder#bytesCopied()} and {@link PacketFsPoolEncoder#literalBytes()} to
     * {@code packetfs_pool_hits_total{kind="copy|literal"}}.
     */
    @Override
    public void bindMeters(PacketFsMeterBinder binder) {
        binder.counter(PacketFsMetricNames.POOL_HITS, encoder::bytesCopied, "kind", "copy");
        binder.counter(PacketFsMetricNames.POOL_HITS, encoder::literalBytes, "kind", "literal");
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
        encoder.flush(sink);
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

    private void onCopy(PacketFsCopyUnit unit) {
        if (combiner != null) {
            combiner.add(ctx.write(unit));
        } else {
            ctx.write(unit, ctx.voidPromise());
        }
    }
}
