package io.packetfs.codec;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import static io.packetfs.codec.internal.PacketFsConstants.WINDOW_ID_MASK;

/**
 * Inbound: checks the window sequence. Each {@link PacketFsSync} must carry the next window id (modulo 2^16) and
 * close a window of at most {@code 1 << windowPow2} references (a {@link PacketFsCopyUnit} counts as
 * {@code min(body length, W)}). It fires a {@link PacketFsWindowException} through
 * {@code exceptionCaught} and counts it when
 * <ul>
 *   <li>the id jumps ahead: the windows between were lost ({@code MISSING_WINDOW}); the validator resynchronises on
 *       the id that arrived;</li>
 *   <li>the id is one already closed (within the 32,768 ids behind): a duplicate ({@code DUPLICATE_WINDOW});</li>
 *   <li>more references arrive than a window holds: its SYNC unit was lost ({@code WINDOW_OVERFLOW}).</li>
 * </ul>
 * Units are passed on unchanged; applications that must not consume unverified data act on the exceptions and on
 * {@link #state()}. Keeps the seed's decoder state machine ({@link PacketFsDecoderState}). Place it after
 * {@link PacketFsCrcWindowChecker} so that a bad CRC also counts as lost synchronisation. Not {@code @Sharable}.
 */
public class PacketFsSyncValidator extends ChannelInboundHandlerAdapter implements PacketFsMeterSource {

    private final int windowSize;
    private final PacketFsStateListener<PacketFsDecoderState> listener;

    private PacketFsDecoderState state = PacketFsDecoderState.LISTENING;
    private int expectedWindowId;
    private long refsInWindow;
    private boolean overflowReported;
    private long totalRefs;
    private long windowsValid;
    private long windowsMissing;
    private long windowsDuplicate;
    private long windowOverflows;

    /** A validator that expects window 0 first. */
    public PacketFsSyncValidator(PacketFsConfig config) {
        this(config, 0, null);
    }

    /** A validator that expects window {@code firstWindowId} first and reports transitions to {@code listener}. */
    public PacketFsSyncValidator(PacketFsConfig config, int firstWindowId,
                                 PacketFsStateListener<PacketFsDecoderState> listener) {
        if ((firstWindowId & ~WINDOW_ID_MASK) != 0) {
            throw new IllegalArgumentException("firstWindowId " + firstWindowId + " (expected 0..65535)");
        }
        this.windowSize = config.windowSize();
        this.expectedWindowId = firstWindowId;
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PacketFsRefs) {
            onRefs(ctx, msg, ((PacketFsRefs) msg).count());
        } else if (msg instanceof PacketFsCopyUnit) {
            onRefs(ctx, msg, ((PacketFsCopyUnit) msg).windowWeight(windowSize));
        } else if (msg instanceof PacketFsSync) {
            onSync(ctx, (PacketFsSync) msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onRefs(ChannelHandlerContext ctx, Object refs, int count) {
        transition(PacketFsDecoderState.PROCESSING);
        refsInWindow += count;
        totalRefs += count;
        ctx.fireChannelRead(refs);
        transition(PacketFsDecoderState.DATA_READY);
        if (refsInWindow > windowSize && !overflowReported) {
            overflowReported = true;
            windowOverflows++;
            transition(PacketFsDecoderState.LISTENING);
            ctx.fireExceptionCaught(new PacketFsWindowException(PacketFsException.Reason.WINDOW_OVERFLOW,
                    expectedWindowId, -1, "window " + expectedWindowId + " has " + refsInWindow
                    + " references, more than its " + windowSize + ": its SYNC unit was lost"));
        }
    }

    private void onSync(ChannelHandlerContext ctx, PacketFsSync sync) {
        transition(PacketFsDecoderState.SYNC_FOUND);
        int id = sync.windowId();
        int ahead = (id - expectedWindowId) & WINDOW_ID_MASK;
        PacketFsWindowException error = null;
        if (ahead == 0) {
            expectedWindowId = (id + 1) & WINDOW_ID_MASK;
            refsInWindow = 0;
            if (sync.status() == PacketFsSync.CrcStatus.MISMATCH || overflowReported) {
                transition(PacketFsDecoderState.LISTENING);
            } else {
                windowsValid++;
                transition(PacketFsDecoderState.SYNCHRONIZED);
            }
            overflowReported = false;
        } else if (ahead < 0x8000) {
            windowsMissing += ahead;
            error = new PacketFsWindowException(PacketFsException.Reason.MISSING_WINDOW, expectedWindowId, id,
                    "expected window " + expectedWindowId + ", got " + id + ": " + ahead + " window(s) lost");
            expectedWindowId = (id + 1) & WINDOW_ID_MASK;
            refsInWindow = 0;
            overflowReported = false;
            transition(PacketFsDecoderState.LISTENING);
        } else {
            windowsDuplicate++;
            error = new PacketFsWindowException(PacketFsException.Reason.DUPLICATE_WINDOW, expectedWindowId, id,
                    "window " + id + " was already closed (expected " + expectedWindowId + "): duplicate SYNC");
            transition(PacketFsDecoderState.LISTENING);
        }
        ctx.fireChannelRead(sync);
        if (error != null) {
            ctx.fireExceptionCaught(error);
        }
    }

    private void transition(PacketFsDecoderState to) {
        PacketFsDecoderState from = state;
        if (from != to) {
            state = to;
            if (listener != null) {
                listener.onTransition(from, to);
            }
        }
    }

    /** The current state. */
    public PacketFsDecoderState state() {
        return state;
    }

    /** The window id expected next. */
    public int expectedWindowId() {
        return expectedWindowId;
    }

    /** References received over the validator's life (a long: it does not wrap at 2^32). */
    public long totalRefs() {
        return totalRefs;
    }

    /** Windows closed in sequence with a CRC that matched or was not checked. */
    public long windowsValid() {
        return windowsValid;
    }

    /** Windows that never arrived. */
    public long windowsMissing() {
        return windowsMissing;
    }

    /** SYNC units for windows already closed. */
    public long windowsDuplicate() {
        return windowsDuplicate;
    }

    /** Windows that overflowed because their SYNC unit was lost. */
    public long windowOverflows() {
        return windowOverflows;
    }

    /** Binds the window errors to {@code packetfs_window_errors_total{kind="missing|duplicate|overflow"}}. */
    @Override
    public void bindMeters(PacketFsMeterBinder binder) {
        binder.counter(PacketFsMetricNames.WINDOW_ERRORS, this::windowsMissing, "kind", "missing");
        binder.counter(PacketFsMetricNames.WINDOW_ERRORS, this::windowsDuplicate, "kind", "duplicate");
        binder.counter(PacketFsMetricNames.WINDOW_ERRORS, this::windowOverflows, "kind", "overflow");
    }
}
