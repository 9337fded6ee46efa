package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.PromiseCombiner;
import io.netty.util.internal.ObjectUtil;

import static io.packetfs.codec.internal.PacketFsConstants.WINDOW_ID_MASK;

/**
 * Outbound: counts the references that pass and writes a {@link PacketFsSync} after the last reference of every
 * window ({@code 1 << windowPow2} references), carrying the window id (0, 1, ... 65535, 0, ...) and, with CRC on,
 * the CRC16 of the window's reference bytes. A run that crosses a window boundary is split there, so the SYNC unit
 * sits exactly at the boundary. {@link PacketFsCloseWindow} closes a partly filled window early. A
 * {@link PacketFsCopyUnit} counts as {@code min(body length, W)} references and its body bytes feed the CRC; it is
 * never split, so a window it would overflow is closed early before it (docs/PROTOCOL.md section 5).
 *
 * <pre>
 *   window_pow2 = 2:   write(L1 x6)  =&gt;  L1 x4, SYNC(0, crc), L1 x2
 * </pre>
 *
 * Keeps the seed's encoder state machine ({@link PacketFsEncoderState}), observable through {@link #state()} and a
 * {@link PacketFsStateListener}. Place it before {@link PacketFsTierEncoder}. Not {@code @Sharable}.
 */
public class PacketFsSyncInserter extends ChannelOutboundHandlerAdapter implements PacketFsMeterSource {

    private final PacketFsConfig config;
    private final int windowSize;
    private final PacketFsStateListener<PacketFsEncoderState> listener;

    private PacketFsEncoderState state = PacketFsEncoderState.INITIALIZED;
    private int windowId;
    private int refsInWindow;
    private int crc = PacketFsCrc16.INITIAL;
    private long totalRefs;
    private long syncsEmitted;

    /** An inserter whose first window is window 0. */
    public PacketFsSyncInserter(PacketFsConfig config) {
        this(config, 0, null);
    }

    /**
     * An inserter whose first window has id {@code firstWindowId} (0..65535), reporting transitions to
     * {@code listener} (may be null).
     */
    public PacketFsSyncInserter(PacketFsConfig config, int firstWindowId,
                                PacketFsStateListener<PacketFsEncoderState> listener) {
        this.config = ObjectUtil.checkNotNull(config, "config");
        if ((firstWindowId & ~WINDOW_ID_MASK) != 0) {
            throw new IllegalArgumentException("firstWindowId " + firstWindowId + " (expected 0..65535)");
        }
        this.windowSize = config.windowSize();
        this.windowId = firstWindowId;
        this.listener = listener;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof PacketFsRefs) {
            writeRefs(ctx, (PacketFsRefs) msg, promise);
        } else if (msg instanceof PacketFsCopyUnit) {
            writeCopy(ctx, (PacketFsCopyUnit) msg, promise);
        } else if (msg instanceof PacketFsCloseWindow) {
            if (refsInWindow > 0) {
                transition(PacketFsEncoderState.SYNC_READY);
                emitSync(ctx, promise);
            } else {
                promise.trySuccess();
            }
        } else {
            ctx.write(msg, promise);
        }
    }

    private void writeRefs(ChannelHandlerContext ctx, PacketFsRefs refs, ChannelPromise promise) {
        if (state == PacketFsEncoderState.INITIALIZED) {
            transition(PacketFsEncoderState.ACCUMULATING);
        }
        int count = refs.count();
        if (refsInWindow + count < windowSize) {
            // Common case: the run stays inside the window.
            transition(PacketFsEncoderState.ENCODING);
            account(refs, count);
            ctx.write(refs, promise);
            transition(PacketFsEncoderState.ACCUMULATING);
            return;
        }
        // a void promise (the file transfer's) needs no combined promise: nothing is allocated per window then
        PromiseCombiner combiner = promise.isVoid() ? null : new PromiseCombiner(ctx.executor());
        try {
            int from = 0;
            while (from < count) {
                int n = Math.min(count - from, windowSize - refsInWindow);
                PacketFsRefs piece = from == 0 && n == count ? refs.retain() : refs.retainedSlice(from, n);
                transition(PacketFsEncoderState.ENCODING);
                account(piece, n);
                ctx.write(piece, partOf(ctx, combiner));
                from += n;
                if (refsInWindow == windowSize) {
                    transition(PacketFsEncoderState.SYNC_READY);
                    emitSync(ctx, partOf(ctx, combiner));
                } else {
                    transition(PacketFsEncoderState.ACCUMULATING);
                }
            }
        } finally {
            refs.release();
            if (combiner != null) {
                combiner.finish(promise);
            }
        }
    }

    /**
     * A COPY unit is never split: it counts as {@code min(body length, W)} references, and when it does not fit the
     * room left in a non-empty window, that window is closed early first.
     */
    private void writeCopy(ChannelHandlerContext ctx, PacketFsCopyUnit unit, ChannelPromise promise) {
        if (state == PacketFsEncoderState.INITIALIZED) {
            transition(PacketFsEncoderState.ACCUMULATING);
        }
        int weight = unit.windowWeight(windowSize);
        if (refsInWindow > 0 && refsInWindow + weight > windowSize) {
            transition(PacketFsEncoderState.SYNC_READY);
            emitSync(ctx, ctx.voidPromise());
        }
        transition(PacketFsEncoderState.ENCODING);
        ByteBuf body = unit.content();
        if (config.crcEnabled()) {
            crc = PacketFsCrc16.update(crc, body, body.readerIndex(), body.readableBytes());
        }
        refsInWindow += weight;
        totalRefs += weight;
        if (refsInWindow >= windowSize) {
            PromiseCombiner combiner = promise.isVoid() ? null : new PromiseCombiner(ctx.executor());
            ctx.write(unit, partOf(ctx, combiner));
            transition(PacketFsEncoderState.SYNC_READY);
            emitSync(ctx, partOf(ctx, combiner));
            if (combiner != null) {
                combiner.finish(promise);
            }
        } else {
            ctx.write(unit, promise);
            transition(PacketFsEncoderState.ACCUMULATING);
        }
    }

    /** A promise for one part of a combined write, or the void promise when there is nothing to combine. */
    private static ChannelPromise partOf(ChannelHandlerContext ctx, PromiseCombiner combiner) {
        if (combiner == null) {
            return ctx.voidPromise();
        }
        ChannelPromise p = ctx.newPromise();
        combiner.add(p);
        return p;
    }

    private void account(PacketFsRefs refs, int n) {
        if (config.crcEnabled()) {
            crc = PacketFsCrc16.update(crc, refs.content(), refs.content().readerIndex(),
                    refs.content().readableBytes());
        }
        refsInWindow += n;
        totalRefs += n;
    }

    private void emitSync(ChannelHandlerContext ctx, ChannelPromise promise) {
        PacketFsSync sync = config.crcEnabled() ? PacketFsSync.withCrc(windowId, crc)
                : PacketFsSync.withoutCrc(windowId);
        windowId = (windowId + 1) & WINDOW_ID_MASK;
        refsInWindow = 0;
        crc = PacketFsCrc16.INITIAL;
        syncsEmitted++;
        ctx.write(sync, promise);
        transition(PacketFsEncoderState.ACCUMULATING);
    }

    private void transition(PacketFsEncoderState to) {
        PacketFsEncoderState from = state;
        if (from != to) {
            state = to;
            if (listener != null) {
                listener.onTransition(from, to);
            }
        }
    }

    /** The current state. */
    public PacketFsEncoderState state() {
        return state;
    }

    /** The id the next SYNC unit will carry. */
    public int nextWindowId() {
        return windowId;
    }

    /** References in the open window. */
    public int refsInWindow() {
        return refsInWindow;
    }

    /** References that passed, over the handler's life (a long: it does not wrap at 2^32). */
    public long totalRefs() {
        return totalRefs;
    }

    /** SYNC units written. */
    public long syncsEmitted() {
        return syncsEmitted;
    }

    /** Binds {@link #syncsEmitted()} to {@code packetfs_sync_frames_total}. */
    @Override
    public void bindMeters(PacketFsMeterBinder binder) {
        binder.counter(PacketFsMetricNames.SYNC_FRAMES, this::syncsEmitted);
    }
}
