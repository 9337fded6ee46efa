package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.PacketFsCopyUnit;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsMeterBinder;
import io.packetfs.codec.PacketFsMeterSource;
import io.packetfs.codec.PacketFsMetricNames;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsStreamGap;
import io.packetfs.codec.PacketFsTierDecoder;

/**
 * Inbound: runs of pool references and COPY units in, the pool's bytes out (one {@link ByteBuf} per run or unit,
 * sized exactly: at most 16 MiB for a COPY unit, checked before it is allocated; or, with a piece size, a COPY unit
 * in buffers of at most that many bytes, which a pooling allocator can serve), through a
 * {@link PacketFsPoolDecoder}. Place it after {@link PacketFsTierDecoder} (and the window checks).
 *
 * <pre>
 *   PacketFsRefs L3 x2        =&gt;  ByteBuf of 2 x l3UnitBytes  (the run is released)
 *   PacketFsCopyUnit          =&gt;  ByteBuf of the bytes it names (the unit is released; none for an empty unit)
 *   PacketFsCopyUnit [bad]    =&gt;  exceptionCaught(PacketFsException TRUNCATED / REF_OUT_OF_POOL /
 *                                 HISTORY_UNAVAILABLE ...), counted
 *   exceptionCaught(PacketFsException) from upstream  =&gt;  the decoder's history breaks, the error passes on
 *   PacketFsSync, others      =&gt;  passed on unchanged
 *   PacketFsRefs L3 [huge]    =&gt;  exceptionCaught(PacketFsPoolException), counted; the next run decodes
 * </pre>
 *
 * Not {@code @Sharable}: the decoder holds buffer duplicates and counters.
 */
public class PacketFsPoolDecoderHandler extends ChannelInboundHandlerAdapter implements PacketFsMeterSource {

    private final PacketFsPoolDecoder decoder;
    private final int copyPieceBytes;
    private final PacketFsPoolDecoder.PieceSink pieces = this::firePiece;
    private ChannelHandlerContext ctx;
    private long runsDecoded;
    private long copyUnitsDecoded;
    private long errors;

    /** A handler around {@code decoder} (one per channel). */
    public PacketFsPoolDecoderHandler(PacketFsPoolDecoder decoder) {
        this(decoder, PacketFsCopyUnit.MAX_OUTPUT);
    }

    /**
     * A handler around {@code decoder} (one per channel) that passes a COPY unit's bytes on in buffers of at most
     * {@code copyPieceBytes} bytes.
     */
    public PacketFsPoolDecoderHandler(PacketFsPoolDecoder decoder, int copyPieceBytes) {
        this.decoder = ObjectUtil.checkNotNull(decoder, "decoder");
        this.copyPieceBytes = ObjectUtil.checkInRange(copyPieceBytes, 1, PacketFsCopyUnit.MAX_OUTPUT,
                "copyPieceBytes");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    private void firePiece(ByteBuf piece) {
        ctx.fireChannelRead(piece);
    }

    /** The decoder, for its counters ({@link PacketFsPoolDecoder#refsRejected()}). */
    public PacketFsPoolDecoder decoder() {
        return decoder;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PacketFsCopyUnit) {
            onCopy(ctx, (PacketFsCopyUnit) msg);
            return;
        }
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

    private void onCopy(ChannelHandlerContext ctx, PacketFsCopyUnit unit) {
        ByteBuf out = null;
        try {
            long len = decoder.decodedLength(unit); // checks the whole body: at most PacketFsCopyUnit.MAX_OUTPUT
            if (len == 0) {
                copyUnitsDecoded++;
                return;
            }
            if (len > copyPieceBytes) {
                decoder.copyChecked(decoder.checkedBody(unit), len, copyPieceBytes, ctx.alloc(), pieces);
                copyUnitsDecoded++;
                return;
            }
            out = ctx.alloc().buffer((int) len, (int) len);
            decoder.copyChecked(decoder.checkedBody(unit), out);
        } catch (PacketFsException e) {
            errors++;
            ctx.fireExceptionCaught(e);
            return;
        } catch (Throwable t) {
            decoder.resetHistory(); // accepted but not appended (no buffer): later copies must not count on it
            if (out != null) {
                out.release();
            }
            throw t;
        } finally {
            unit.release();
        }
        copyUnitsDecoded++;
        ctx.fireChannelRead(out);
    }

    /**
     * An error reported upstream (a lost or duplicated window, a bad CRC, a cut frame) means this stream may have
     * lost output: the decoder's history breaks, so that later copies from before it are refused instead of
     * copying other bytes (docs/PROTOCOL.md 8.7). The error goes on down the pipeline.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof PacketFsException) {
            decoder.resetHistory();
        }
        ctx.fireExceptionCaught(cause);
    }

    /** A gap in the frames' sequence ({@link PacketFsStreamGap}) breaks the decoder's history too; passed on. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == PacketFsStreamGap.INSTANCE) {
            decoder.resetHistory();
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** COPY units decoded. */
    public long copyUnitsDecoded() {
        return copyUnitsDecoded;
    }

    /** Runs decoded. */
    public long runsDecoded() {
        return runsDecoded;
    }

    /** Runs and COPY units refused (a reference outside the pool, a bad COPY body). */
    public long errors() {
        return errors;
    }

    /** Binds {@link #errors()} to {@code packetfs_drops_total{source="pool"}}. */
    @Override
    public void bindMeters(PacketFsMeterBinder binder) {
        binder.counter(PacketFsMetricNames.DROPS, this::errors, "source", "pool");
    }
}
