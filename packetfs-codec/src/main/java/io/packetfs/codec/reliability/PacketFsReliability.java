package io.packetfs.codec.reliability;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsMeterBinder;
import io.packetfs.codec.PacketFsMetricNames;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.internal.PacketFsConstants;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static io.packetfs.codec.internal.PacketFsConstants.FLAG_FEEDBACK;
import static io.packetfs.codec.internal.PacketFsConstants.FLAG_RELIABLE;
import static io.packetfs.codec.internal.PacketFsConstants.FRAME_LENGTH_OFFSET;
import static io.packetfs.codec.internal.PacketFsConstants.HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.MAX_FRAME_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.OPCODE_NACK;
import static io.packetfs.codec.internal.PacketFsConstants.OPCODE_STATUS;
import static io.packetfs.codec.internal.PacketFsConstants.OPCODE_SYNC;
import static io.packetfs.codec.internal.PacketFsConstants.RELIABLE_CRC_FROM_END;
import static io.packetfs.codec.internal.PacketFsConstants.RELIABLE_SESSION_FROM_END;
import static io.packetfs.codec.internal.PacketFsConstants.RELIABLE_TRAILER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.SEQUENCE_OFFSET;
import static io.packetfs.codec.internal.PacketFsConstants.TLV_HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.VERSION;
import static io.packetfs.codec.internal.PacketFsConstants.VERSION_FLAGS_OFFSET;
import static io.packetfs.codec.internal.PacketFsConstants.VERSION_SHIFT;

/**
 * Reliable, ordered, flow-controlled delivery of PacketFS frames between two peers (docs/PROTOCOL.md section 9).
 * It sits between the transport adapter and the tier codec ({@link PacketFsPipelines#addReliableCodec}) and works
 * on whole frames, in both directions at once:
 *
 * <pre>
 *  outbound:  frame from the tier encoder            inbound:  wire frame
 *     +-- numbered (Sequence Number), flag R set         +-- CRC32C checked (bad: dropped, repaired as lost)
 *     +-- trailer: Session ID | CRC32C appended          +-- Session ID checked (another session: dropped)
 *     +-- kept until the peer's STATUS covers it         +-- duplicate / beyond the window: dropped
 *     +-- sent while inside the peer's window, the       +-- held until every earlier frame arrived
 *         in-flight limit and the congestion window,
 *         at the pacer's rate
 *     +-- sent again on NACK, or on timeout              +-- trailer removed, flag R cleared, passed up in order
 *
 *  wire frame:  [ header 8 | units ... | Session ID u32 | CRC32C u32 ]    Frame Length counts all of it
 * </pre>
 *
 * The receiving half asks for gaps with NACK units (after {@link PacketFsReliabilityConfig#reorderThreshold()}
 * later frames, or {@link PacketFsReliabilityConfig#nackDelayNanos()}), acknowledges with STATUS units that also
 * advertise its window and the newest frame received; both travel in feedback frames (flags R and F) that this
 * handler builds and consumes itself, so the codec above never sees them. The sending half sends a frame only
 * inside the peer's window (what the peer can hold while a gap is open) and with fewer than
 * {@link PacketFsReliabilityConfig#maxInFlightFrames()} frames after the newest the peer received (what waits in
 * the path, so that a repair does not queue behind thousands of frames); frames beyond wait here, and the channel
 * turns unwritable (a user-defined writability bit) above {@link PacketFsReliabilityConfig#writeHighWaterFrames()}
 * waiting frames, so an application that writes while {@code channel.isWritable()} is slowed by a slow receiver
 * instead of losing frames. Congestion control ({@link PacketFsReliabilityConfig#congestionControl()}, CUBIC by
 * default) bounds the bytes in flight, and a pacer spreads frames and repairs out at the controller's
 * rate, capped by {@link PacketFsReliabilityConfig#maxRateBytesPerSecond()} (docs/PROTOCOL.md 9.5); a retransmission
 * timeout sends two probes, the oldest unacknowledged frame and the newest.
 * <p>
 * Every side picks a random Session ID for what it sends, and locks onto the first valid session it receives: frames
 * of other sessions (third parties, replays of old transfers), frames whose CRC32C fails and frames without flag R
 * are counted and dropped. Locking sets the channel attribute {@link #PEER_LOCKED}, which the transport adapters read
 * to stop answering anyone else. Memory is bounded: at most {@link PacketFsReliabilityConfig#sendBufferFrames()}
 * outbound and {@link PacketFsReliabilityConfig#receiveWindowFrames()} inbound frames are held.
 * <p>
 * Not {@code @Sharable}: it holds the state of one session. All methods run on the channel's event loop.
 */
public final class PacketFsReliability extends ChannelDuplexHandler implements PacketFsReliabilityCounters {

    /** Set to true on the channel when this handler locks onto its peer's session. */
    public static final AttributeKey<Boolean> PEER_LOCKED = AttributeKey.valueOf(PacketFsReliability.class,
            "PEER_LOCKED");

    /** The user-defined writability bit this handler drives (1..31 are free for handlers). */
    static final int WRITABILITY_INDEX = 7;
    /** Frames the sender may have in flight before the peer's first STATUS names its window. */
    static final int INITIAL_PEER_WINDOW = 32;
    /** NACK ranges per feedback frame (128 x 6 bytes keeps a feedback frame under 800 bytes). */
    static final int MAX_NACK_RANGES = 128;
    private static final int MAX_NACK_FRAMES_PER_SCAN = 8;
    /** A gap is asked for again no sooner than this (a repair on loopback takes a fraction of it). */
    private static final long MIN_RENACK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** A read batch that changed anything is acknowledged at its end, at most this often. */
    private static final long STATUS_AFTER_READ_NANOS = TimeUnit.MICROSECONDS.toNanos(250);
    /** A NACK for a frame repaired less than this ago is not answered again (see onNack). */
    private static final long NACK_GUARD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final PacketFsReliabilityConfig config;
    private final int windowPow2;
    private final boolean crcFlag;
    private final int sessionId;
    private final CRC32C crc = new CRC32C();
    /** Reads the STATUS and NACK units of inbound feedback in place. */
    private final FeedbackUnits feedbackIn = new FeedbackUnits();
    private ChannelHandlerContext ctx;
    private ChannelPromise quiet;
    private ScheduledFuture<?> timer;
    private boolean closed;

    // ---- the session we receive from ----
    private int peerSession;
    private long lastHeardNanos;
    private boolean feedbackSeen;
    private int lastFeedbackSeqIn;

    // ---- sending half ----
    /** Frames kept for repair, when each was sent, and the repair queue. */
    private final SendWindow send;
    private int flushedUpTo;
    private int peerWindow = INITIAL_PEER_WINDOW;
    private int peerReceived;
    private long lastProgressNanos;
    private long rtoNanos;
    /** First transmission to the STATUS that reports it received. */
    private final PacketFsRttEstimator roundTrip = new PacketFsRttEstimator();
    /** {@link #bytesSent} when the frame just below {@link #peerReceived} had left. */
    private long bytesAtPeerReceived;
    private final PacketFsCongestionControl congestion;
    private final PacketFsPacer pacer;
    private final long maxRate;
    private final Runnable pacerTask = this::onPacerWakeup;
    private ScheduledFuture<?> pacerWakeup;
    /** The congestion window stopped a frame since the previous STATUS. */
    private boolean cwndLimited;
    private boolean unwritable;
    private boolean timedOut;
    private int feedbackSeqOut;
    private final List<Promise<Void>> ackWaiters = new ArrayList<>(2);

    // ---- receiving half ----
    /** Frames held ahead of a gap, and when each missing frame went missing and was asked for. */
    private final ReceiveWindow recv;
    /** The gap scan's way into the NACK being built. */
    private final ReceiveWindow.GapRequests gapRequests = new NackRequests();
    /** NACK sent to the requested frame's arrival. */
    private final PacketFsRttEstimator repairTime = new PacketFsRttEstimator();
    private final int recvWindow;
    private final int statusEvery;
    private int statusReceivedUpTo;
    private boolean receiving;
    private int deliveredSinceStatus;
    private boolean statusDue;
    private long lastStatusNanos;
    private ByteBuf nackOut;
    /** Where the NACK unit in {@link #nackOut} starts. */
    private int nackStart;
    private int nackRanges;
    private int nackFrames;
    private int runFirst;
    private int runCount;

    // ---- counters ----
    private long framesSent;
    private long bytesSent;
    private long bytesRetransmitted;
    private long framesRetransmitted;
    private long retransmitTimeouts;
    private long headRepairs;
    private long framesLost;
    /** Retransmission timeouts since the peer last reported progress. */
    private int timeoutsInARow;
    private long pacerWaits;
    private long cwndWaits;
    private long nacksSent;
    private long nacksReceived;
    private long statusSent;
    private long statusReceived;
    private long framesDelivered;
    private long framesReordered;
    private long duplicatesDropped;
    private long overflowDropped;
    private long corruptDropped;
    private long invalidDropped;
    private long foreignDropped;
    private long staleFeedback;

    /**
     * A handler for frames of {@code codecConfig} (its window size and CRC flag go into the feedback frames' headers)
     * with the reliability settings {@code config}.
     */
    public PacketFsReliability(PacketFsConfig codecConfig, PacketFsReliabilityConfig config) {
        this(codecConfig, config, newSessionId());
    }

    PacketFsReliability(PacketFsConfig codecConfig, PacketFsReliabilityConfig config, int sessionId) {
        if (sessionId == 0) {
            throw new IllegalArgumentException("session id 0 is reserved");
        }
        this.config = config;
        this.windowPow2 = codecConfig.windowPow2();
        this.crcFlag = codecConfig.crcEnabled();
        this.sessionId = sessionId;
        this.send = new SendWindow(config.sendBufferFrames());
        int wireFrame = codecConfig.maxFrameLength(); // the transport's limit: reliable frames, trailer included
        this.congestion = config.congestionControl().newController(wireFrame);
        this.pacer = new PacketFsPacer(config.pacingBurstNanos(), 2 * wireFrame);
        this.maxRate = config.maxRateBytesPerSecond();
        updatePacingRate();
        this.recvWindow = config.receiveWindowFrames();
        this.recv = new ReceiveWindow(recvWindow);
        this.statusEvery = config.statusEveryFrames();
        this.rtoNanos = config.retransmitTimeoutNanos();
    }

    private static int newSessionId() {
        SecureRandom random = new SecureRandom();
        int id;
        do {
            id = random.nextInt();
        } while (id == 0);
        return id;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // frames this handler writes itself: a failed write is a lost frame (repaired), not an error to report
        this.quiet = new VoidChannelPromise(ctx.channel(), false);
        long now = now();
        lastProgressNanos = now;
        lastHeardNanos = now;
        lastStatusNanos = now;
        timer = ctx.executor().scheduleAtFixedRate(this::tick, config.tickNanos(), config.tickNanos(),
                TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        shutdown(new java.nio.channels.ClosedChannelException());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        shutdown(new java.nio.channels.ClosedChannelException());
        ctx.fireChannelInactive();
    }

    private void shutdown(Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        if (timer != null) {
            timer.cancel(false);
        }
        if (pacerWakeup != null) {
            pacerWakeup.cancel(false);
            pacerWakeup = null;
        }
        send.releaseAll();
        recv.releaseAll();
        for (Promise<Void> p : ackWaiters) {
            p.tryFailure(cause);
        }
        ackWaiters.clear();
    }

    private long now() {
        return ctx.executor().ticker().nanoTime(); // the event loop's clock (a mock one in EmbeddedChannel)
    }

    // =====================================================================================================
    // sending half
    // =====================================================================================================

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf)) {
            ctx.write(msg, promise);
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        int length = frame.readableBytes();
        if (closed) {
            frame.release();
            promise.tryFailure(new java.nio.channels.ClosedChannelException());
            return;
        }
        if (length < HEADER_LENGTH || length + RELIABLE_TRAILER_LENGTH > MAX_FRAME_LENGTH) {
            frame.release();
            promise.tryFailure(new IllegalArgumentException("not a PacketFS frame of 8.." + (MAX_FRAME_LENGTH
                    - RELIABLE_TRAILER_LENGTH) + " bytes: " + length + " bytes"));
            return;
        }
        if (send.full()) {
            frame.release();
            promise.tryFailure(new IllegalStateException("send buffer full: " + send.capacity() + " frames wait "
                    + "for the peer's acknowledgement; write only while channel.isWritable()"));
            return;
        }
        if (frame.maxWritableBytes() < RELIABLE_TRAILER_LENGTH || frame.isReadOnly() || frame.refCnt() != 1) {
            // the trailer is written in place: a frame that cannot grow, or that others share, is copied first
            ByteBuf copy = ctx.alloc().buffer(length + RELIABLE_TRAILER_LENGTH);
            copy.writeBytes(frame, frame.readerIndex(), length);
            frame.release();
            frame = copy;
        }
        int start = frame.readerIndex();
        frame.setByte(start + VERSION_FLAGS_OFFSET, frame.getByte(start + VERSION_FLAGS_OFFSET) | FLAG_RELIABLE);
        frame.setShort(start + FRAME_LENGTH_OFFSET, length + RELIABLE_TRAILER_LENGTH);
        frame.setInt(start + SEQUENCE_OFFSET, send.next());
        frame.writeInt(sessionId);
        frame.writeInt(crc32c(frame, start, length + RELIABLE_TRAILER_LENGTH - RELIABLE_CRC_FROM_END));
        if (send.next() == send.transmitted() && send.transmitted() == send.acked()) {
            lastProgressNanos = now(); // the retransmission clock starts with the first outstanding frame
        }
        send.add(frame);
        promise.trySuccess();
        transmit(ctx);
        updateWritability();
    }

    /**
     * Sends queued repairs, then waiting frames, while the pacer lets them out; new frames also only while the
     * peer's window, the in-flight limit and the congestion window have room (docs/PROTOCOL.md 9.5). When the pacer
     * holds a frame back, its timer comes back for it.
     */
    private void transmit(ChannelHandlerContext ctx) {
        if (closed || (!send.hasRepair() && send.transmitted() == send.next())) {
            return;
        }
        long now = now();
        int inFlight = config.maxInFlightFrames();
        for (;;) {
            long wait = pacer.delayNanos(now);
            if (wait > 0) {
                pacerWaits++;
                schedulePacer(wait);
                return;
            }
            if (send.hasRepair()) {
                int seq = send.pollRepair();
                if (send.outstanding(seq)) {
                    retransmit(ctx, seq, now);
                }
                continue;
            }
            int transmitted = send.transmitted();
            if (transmitted == send.next() || transmitted - send.acked() >= peerWindow
                    || transmitted - peerReceived >= inFlight) {
                return;
            }
            if (bytesInFlight() >= congestion.congestionWindow()) {
                cwndLimited = true;
                cwndWaits++;
                return; // a STATUS that reports frames received, or a timeout, opens it again
            }
            ByteBuf frame = send.firstTransmission(now);
            int bytes = frame.readableBytes();
            ctx.write(frame.retainedDuplicate(), quiet);
            framesSent++;
            bytesSent += bytes;
            send.transmittedOne(bytesSent);
            pacer.onSend(now, bytes);
        }
    }

    /** Wire bytes sent and not known to be received: beyond the newest frame the peer reported, plus repairs. */
    private long bytesInFlight() {
        return bytesSent - bytesAtPeerReceived + send.repairBytesInFlight();
    }

    private void schedulePacer(long delayNanos) {
        if (pacerWakeup == null) {
            pacerWakeup = ctx.executor().schedule(pacerTask, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void onPacerWakeup() {
        pacerWakeup = null;
        if (closed) {
            return;
        }
        transmit(ctx);
        flush(ctx);
        updateWritability();
    }

    private void updatePacingRate() {
        long rate = congestion.pacingRate(roundTrip.smoothed());
        pacer.rate(maxRate > 0 && (rate == 0 || rate > maxRate) ? maxRate : rate);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (send.transmitted() != flushedUpTo) {
            // frames leave now: the retransmission clock runs from here, not from when they were encoded (a
            // sender that spends long encoding a batch must not time out on frames that were not even sent)
            flushedUpTo = send.transmitted();
            lastProgressNanos = now();
        }
        ctx.flush();
    }

    private void retransmit(ChannelHandlerContext ctx, int seq, long now) {
        ByteBuf frame = send.frame(seq);
        int bytes = frame.readableBytes();
        send.resend(seq, now); // Karn: no round-trip sample from a frame sent twice
        ctx.write(frame.retainedDuplicate(), quiet);
        framesRetransmitted++;
        bytesRetransmitted += bytes;
        pacer.onSend(now, bytes);
    }

    private void updateWritability() {
        int waiting = send.next() - send.transmitted();
        int kept = send.next() - send.acked();
        if (!unwritable && (waiting >= config.writeHighWaterFrames() || kept >= send.capacity() - 1)) {
            setWritable(false);
        } else if (unwritable && waiting <= config.writeLowWaterFrames()
                && kept < send.capacity() - config.writeHighWaterFrames()) {
            setWritable(true);
        }
    }

    private void setWritable(boolean writable) {
        unwritable = !writable;
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        if (out != null) {
            out.setUserDefinedWritability(WRITABILITY_INDEX, writable);
        }
    }

    /**
     * A future that completes when the peer has acknowledged every frame written so far (fails if the channel
     * closes first). A peer that ends a session can wait on it before closing, so its last frames are repaired.
     */
    public Future<Void> whenAcknowledged() {
        Promise<Void> p = ctx.executor().newPromise();
        if (ctx.executor().inEventLoop()) {
            addAckWaiter(p);
        } else {
            ctx.executor().execute(() -> addAckWaiter(p));
        }
        return p;
    }

    /**
     * Sends a STATUS for everything received so far, now, instead of at the next timer tick: a peer about to close
     * calls it so that the other side learns that its last frames arrived.
     */
    public void acknowledgeNow() {
        if (ctx.executor().inEventLoop()) {
            if (!closed && receiving) {
                sendStatus(ctx);
                flush(ctx);
            }
        } else {
            ctx.executor().execute(this::acknowledgeNow);
        }
    }

    private void addAckWaiter(Promise<Void> p) {
        if (send.acked() == send.next()) {
            p.trySuccess(null);
        } else if (closed) {
            p.tryFailure(new java.nio.channels.ClosedChannelException());
        } else {
            ackWaiters.add(p);
        }
    }

    private void onStatus(ChannelHandlerContext ctx, ByteBuf f, int body, int length) {
        FeedbackUnits status = feedbackIn.wrap(f, body, length);
        if (!status.isStatusLongEnough()) {
            invalidDropped++;
            return;
        }
        statusReceived++;
        if (status.session() != sessionId) {
            staleFeedback++; // acknowledges another session of ours (an old one, or forged)
            return;
        }
        int next = status.statusNext();
        long window = status.statusWindow();
        int receivedUpTo = status.statusReceivedUpTo();
        if (next - send.transmitted() > 0 || receivedUpTo - next < 0 || receivedUpTo - send.transmitted() > 0) {
            invalidDropped++; // acknowledges frames never sent, or received below delivered
            return;
        }
        long now = 0;
        if (receivedUpTo - peerReceived > 0) {
            // the round trip is measured to the newest frame received: a gap before it does not delay the sample
            int newest = receivedUpTo - 1;
            now = now();
            long sample = -1;
            if (!send.resent(newest)) {
                sample = now - send.sentAt(newest);
                roundTrip.sample(sample);
                rtoNanos = currentRto();
            }
            long inFlightBefore = bytesInFlight();
            long acked = send.bytesAfter(newest) - bytesAtPeerReceived;
            bytesAtPeerReceived = send.bytesAfter(newest);
            peerReceived = receivedUpTo;
            lastProgressNanos = now;
            timeoutsInARow = 0;
            boolean limited = cwndLimited || 2 * inFlightBefore >= congestion.congestionWindow();
            cwndLimited = false;
            congestion.onAck(now, acked, sample, roundTrip.smoothed(), send.sentAt(newest), limited);
        }
        if (next - send.acked() > 0) {
            now = now == 0 ? now() : now;
            send.acknowledge(next);
            lastProgressNanos = now;
            rtoNanos = currentRto();
            if (send.acked() == send.next() && !ackWaiters.isEmpty()) {
                for (Promise<Void> p : ackWaiters) {
                    p.trySuccess(null);
                }
                ackWaiters.clear();
            }
        }
        int oldest = send.acked();
        if (oldest != send.transmitted() && send.resent(oldest)
                && receivedUpTo - send.resentBefore(oldest) >= config.reorderThreshold()) {
            // the peer still misses the oldest frame although it received frames sent after its repair: the repair
            // was lost. Every frame waits behind this one, so it goes again now rather than after a re-NACK
            if (!send.repairQueued(oldest)) {
                send.queueRepair(oldest, true);
                headRepairs++;
            }
        }
        peerWindow = (int) Math.max(1, Math.min(window, send.capacity()));
    }

    /** The retransmission timeout: smoothed round trip + 4 deviations, within the configured bounds. */
    private long currentRto() {
        return roundTrip.timeout(4, config.tickNanos(), config.minRetransmitTimeoutNanos(),
                config.maxRetransmitTimeoutNanos(), config.retransmitTimeoutNanos());
    }

    /**
     * How long a requested gap waits before it is requested again: the smoothed repair time + 4 deviations, within
     * bounds; before any repair was measured, this side's own retransmission timeout (its round trip, when its own
     * frames were acknowledged; the configured initial timeout otherwise).
     */
    private long renackInterval() {
        if (!repairTime.measured()) {
            return currentRto();
        }
        return repairTime.timeout(4, 0, MIN_RENACK_NANOS, config.maxRetransmitTimeoutNanos(), 0);
    }

    private void onNack(ChannelHandlerContext ctx, ByteBuf f, int body, int length) {
        FeedbackUnits nack = feedbackIn.wrap(f, body, length);
        if (!nack.isNackLongEnough()) {
            invalidDropped++;
            return;
        }
        int ranges = nack.nackRanges();
        nacksReceived++;
        if (nack.session() != sessionId) {
            staleFeedback++;
            return;
        }
        int budget = send.capacity();
        long now = now();
        for (int r = 0; r < ranges && budget > 0; r++) {
            int first = nack.rangeFirst(r);
            int count = nack.rangeCount(r);
            for (int i = 0; i < count && budget > 0; i++) {
                int seq = first + i;
                // a NACK that comes within the guard of the frame's last repair was sent before that repair could
                // arrive (several NACKs queue up while this side is busy): one repair is enough
                if (!send.outstanding(seq)) {
                    continue;
                }
                if (send.markLost(seq)) {
                    // the first report of this frame's loss: a congestion signal (the controller counts the losses
                    // of one round trip as one event)
                    framesLost++;
                    congestion.onLoss(now, send.sentAt(seq));
                }
                if (!send.resent(seq) || now - send.lastTxAt(seq) >= NACK_GUARD_NANOS) {
                    send.queueRepair(seq, false);
                    budget--;
                }
            }
        }
    }

    // =====================================================================================================
    // receiving half
    // =====================================================================================================

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        boolean kept = false;
        try {
            kept = accept(ctx, frame);
        } finally {
            if (!kept) {
                frame.release();
            }
        }
    }

    /** Returns true when the frame was passed on or buffered (ownership taken). */
    private boolean accept(ChannelHandlerContext ctx, ByteBuf frame) {
        if (closed) {
            return false;
        }
        int start = frame.readerIndex();
        int available = frame.readableBytes();
        if (available < HEADER_LENGTH + RELIABLE_TRAILER_LENGTH) {
            invalidDropped++;
            return false;
        }
        int versionFlags = frame.getUnsignedByte(start + VERSION_FLAGS_OFFSET);
        int length = frame.getUnsignedShort(start + FRAME_LENGTH_OFFSET);
        if (versionFlags >>> VERSION_SHIFT != VERSION || (versionFlags & FLAG_RELIABLE) == 0
                || length < HEADER_LENGTH + RELIABLE_TRAILER_LENGTH || length > available) {
            invalidDropped++; // not a reliable PacketFS frame: garbage, or a peer in the other delivery mode
            return false;
        }
        int crcAt = start + length - RELIABLE_CRC_FROM_END;
        if (crc32c(frame, start, length - RELIABLE_CRC_FROM_END) != frame.getInt(crcAt)) {
            corruptDropped++; // repaired as a lost frame
            return false;
        }
        int session = frame.getInt(start + length - RELIABLE_SESSION_FROM_END);
        if (session == 0) {
            invalidDropped++;
            return false;
        }
        if (peerSession == 0) {
            peerSession = session;
            ctx.channel().attr(PEER_LOCKED).set(Boolean.TRUE);
        } else if (session != peerSession) {
            foreignDropped++;
            return false;
        }
        lastHeardNanos = now();
        int seq = frame.getInt(start + SEQUENCE_OFFSET);
        if ((versionFlags & FLAG_FEEDBACK) != 0) {
            onFeedback(ctx, frame, start, length, seq);
            return false;
        }
        receiving = true;
        int ahead = seq - recv.next();
        if (ahead < 0) {
            duplicatesDropped++;
            statusDue = true; // the peer may have missed our STATUS
            return false;
        }
        if (ahead >= recvWindow) {
            overflowDropped++;
            statusDue = true;
            return false;
        }
        // strip the trailer (and any link padding after the frame): the codec above sees a plain frame
        frame.writerIndex(start + length - RELIABLE_TRAILER_LENGTH);
        frame.setShort(start + FRAME_LENGTH_OFFSET, length - RELIABLE_TRAILER_LENGTH);
        frame.setByte(start + VERSION_FLAGS_OFFSET, versionFlags & ~FLAG_RELIABLE);
        if (recv.arrived(seq, lastHeardNanos)) {
            statusDue = true;
        } else {
            // a requested frame arrived: how long repairs take decides when to ask again
            long repaired = recv.repairedAfter(seq, lastHeardNanos);
            if (repaired >= 0) {
                repairTime.sample(repaired);
            }
        }
        if (ahead == 0) {
            deliver(ctx, frame);
            return true;
        }
        if (recv.holds(seq)) {
            duplicatesDropped++;
            return false;
        }
        recv.hold(seq, compact(ctx, frame));
        framesReordered++;
        if (recv.highest() - statusReceivedUpTo >= statusEvery) {
            sendStatus(ctx); // the sender counts frames in flight from the newest frame received (flushed with the batch)
        }
        return true;
    }

    /** Passes {@code frame} (the next in order) up, then every buffered frame that now follows in order. */
    private void deliver(ChannelHandlerContext ctx, ByteBuf frame) {
        recv.delivered();
        framesDelivered++;
        deliveredSinceStatus++;
        ctx.fireChannelRead(frame);
        while (!closed) {
            ByteBuf next = recv.takeNext();
            if (next == null) {
                break;
            }
            framesDelivered++;
            deliveredSinceStatus++;
            ctx.fireChannelRead(next);
            if (deliveredSinceStatus >= statusEvery && !closed) {
                // a repaired gap can release thousands of held frames, tens of milliseconds of work above: the
                // sender hears of the progress now, so that the socket buffer refills meanwhile
                sendStatus(ctx);
                flush(ctx);
            }
        }
        statusDue = true;
        if (!closed && (deliveredSinceStatus >= statusEvery || recv.highest() - statusReceivedUpTo >= statusEvery)) {
            sendStatus(ctx); // flushed when the read batch completes
        }
    }

    /**
     * A held frame keeps no more memory than it needs: a datagram buffer may be much larger than its frame, and a
     * slice of a batch read (recvmmsg reads 16 datagrams into one buffer) would pin the whole batch.
     */
    private static ByteBuf compact(ChannelHandlerContext ctx, ByteBuf frame) {
        int limit = 2 * frame.readableBytes() + 64;
        ByteBuf parent = frame.unwrap();
        if (frame.capacity() <= limit && (parent == null || parent.capacity() <= limit)) {
            return frame;
        }
        ByteBuf copy = ctx.alloc().buffer(frame.readableBytes());
        copy.writeBytes(frame);
        frame.release();
        return copy;
    }

    private void onFeedback(ChannelHandlerContext ctx, ByteBuf f, int start, int length, int seq) {
        if (feedbackSeen && seq - lastFeedbackSeqIn <= 0) {
            staleFeedback++; // duplicated or overtaken feedback: a newer one already arrived
            return;
        }
        feedbackSeen = true;
        lastFeedbackSeqIn = seq;
        int at = start + HEADER_LENGTH;
        int end = start + length - RELIABLE_TRAILER_LENGTH;
        while (at < end) {
            int opcode = f.getUnsignedByte(at);
            if (opcode == OPCODE_SYNC || (opcode & 0xC0) != 0xC0 || at + TLV_HEADER_LENGTH > end) {
                invalidDropped++;
                break; // what the units before said still counts
            }
            int bodyLength = f.getUnsignedShort(at + 1);
            int body = at + TLV_HEADER_LENGTH;
            if (body + bodyLength > end) {
                invalidDropped++;
                break;
            }
            if (opcode == OPCODE_STATUS) {
                onStatus(ctx, f, body, bodyLength);
            } else if (opcode == OPCODE_NACK) {
                onNack(ctx, f, body, bodyLength);
            }
            at = body + bodyLength;
        }
        // once per feedback frame, after all its units (a NACK frame carries a STATUS too): queued repairs and newly
        // allowed frames go, flushed once per read batch in channelReadComplete
        updatePacingRate();
        transmit(ctx);
        updateWritability();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!closed && receiving && recv.hasGap()) {
            scanGaps(ctx, now());
        }
        if (!closed && receiving && statusDue && now() - lastStatusNanos >= STATUS_AFTER_READ_NANOS) {
            // acknowledge each read batch (at most every 250 us): the sender's round trip then measures the path,
            // not the timer, and its congestion window grows as a TCP sender's does (docs/PROTOCOL.md 9.2)
            sendStatus(ctx);
        }
        flush(ctx);
        ctx.fireChannelReadComplete();
    }

    /**
     * Sends NACK units for every gap that is due (see the class javadoc), at most {@link #MAX_NACK_FRAMES_PER_SCAN}
     * feedback frames of them; {@link ReceiveWindow#scan} decides which gaps are due.
     */
    private void scanGaps(ChannelHandlerContext ctx, long now) {
        nackFrames = 0;
        runFirst = 0;
        runCount = 0;
        recv.scan(now, renackInterval(), config.nackDelayNanos(), config.reorderThreshold(), gapRequests);
        addNackRange(ctx, runFirst, runCount);
        runCount = 0;
        if (nackOut != null) {
            sendNack(ctx);
        }
    }

    /** Adds {@code seq} to the NACK being built (extending the current range when it follows it). */
    private void requestGap(ChannelHandlerContext ctx, int seq) {
        if (runCount > 0 && runFirst + runCount == seq && runCount < FeedbackUnits.MAX_RANGE_COUNT) {
            runCount++;
        } else {
            addNackRange(ctx, runFirst, runCount);
            runFirst = seq;
            runCount = 1;
        }
    }

    /** The gap scan's requests go into the NACK being built, within the scan's budget of feedback frames. */
    private final class NackRequests implements ReceiveWindow.GapRequests {

        @Override
        public boolean open() {
            return nackFrames < MAX_NACK_FRAMES_PER_SCAN;
        }

        @Override
        public void request(int seq) {
            requestGap(ctx, seq);
        }
    }

    private void addNackRange(ChannelHandlerContext ctx, int first, int count) {
        if (count == 0) {
            return;
        }
        if (nackOut == null) {
            nackOut = feedbackFrame(ctx);
            nackStart = FeedbackUnits.startNack(nackOut, peerSession);
            nackRanges = 0;
        }
        FeedbackUnits.writeRange(nackOut, first, count);
        if (++nackRanges == MAX_NACK_RANGES) {
            sendNack(ctx);
        }
    }

    private void sendNack(ChannelHandlerContext ctx) {
        ByteBuf out = nackOut;
        nackOut = null;
        FeedbackUnits.finishNack(out, nackStart, nackRanges);
        nacksSent++;
        nackFrames++;
        writeStatusUnit(out); // a STATUS rides along, so the sender learns the window with every repair request
        finishFeedback(ctx, out);
    }

    private void sendStatus(ChannelHandlerContext ctx) {
        ByteBuf out = feedbackFrame(ctx);
        writeStatusUnit(out);
        finishFeedback(ctx, out);
    }

    private void writeStatusUnit(ByteBuf out) {
        FeedbackUnits.writeStatus(out, peerSession, recv.next(), recvWindow, recv.highest());
        statusReceivedUpTo = recv.highest();
        statusSent++;
        statusDue = false;
        deliveredSinceStatus = 0;
        lastStatusNanos = now();
    }

    /** A feedback frame's header: flags R and F, this side's window size and CRC flag, feedback sequence. */
    private ByteBuf feedbackFrame(ChannelHandlerContext ctx) {
        ByteBuf out = ctx.alloc().buffer(FeedbackUnits.maxFrameLength(MAX_NACK_RANGES));
        int flags = FLAG_RELIABLE | FLAG_FEEDBACK | (crcFlag ? PacketFsConstants.FLAG_CRC : 0);
        out.writeByte(VERSION << VERSION_SHIFT | flags);
        out.writeByte(windowPow2);
        out.writeShort(0); // frame length, patched in finishFeedback
        out.writeInt(feedbackSeqOut++);
        return out;
    }

    private void finishFeedback(ChannelHandlerContext ctx, ByteBuf out) {
        int start = out.readerIndex();
        out.writeInt(sessionId);
        int length = out.writerIndex() - start + RELIABLE_CRC_FROM_END;
        out.setShort(start + FRAME_LENGTH_OFFSET, length);
        out.writeInt(crc32c(out, start, length - RELIABLE_CRC_FROM_END));
        ctx.write(out, quiet);
    }

    // =====================================================================================================
    // timer
    // =====================================================================================================

    private void tick() {
        if (closed) {
            return;
        }
        long now = now();
        boolean wrote = false;
        if (send.transmitted() != send.acked()) {
            if (now - lastProgressNanos >= rtoNanos) {
                // nobody asked: the tail may be lost, or the feedback; resend the oldest frames
                // probes, as QUIC's PTO (RFC 9002 6.2): the oldest frames and the newest one. The newest shows the
                // peer every lost frame before it as a gap, which it then asks for; a timeout that was only a late
                // STATUS (a descheduled peer) costs a few frames, not a burst
                int oldest = send.acked();
                int outstanding = send.transmitted() - oldest;
                int n = Math.min(config.retransmitBurst(), outstanding);
                for (int i = 0; i < n - 1; i++) {
                    send.queueRepair(oldest + i, false);
                }
                send.queueRepair(n < outstanding ? send.transmitted() - 1 : oldest + n - 1, false);
                // an expiry alone is no loss (the repairs NACKs ask for are); a second one in a row, with nothing
                // acknowledged between, means the path carries nothing the controller expected (persistent
                // congestion, RFC 9002 7.6): the window starts over
                if (++timeoutsInARow >= 2) {
                    congestion.onRetransmitTimeout(now);
                }
                updatePacingRate();
                transmit(ctx);
                retransmitTimeouts++;
                rtoNanos = Math.min(rtoNanos * 2, config.maxRetransmitTimeoutNanos());
                lastProgressNanos = now;
                wrote = true;
            }
            if (config.peerTimeoutNanos() > 0 && !timedOut && now - lastHeardNanos >= config.peerTimeoutNanos()) {
                timedOut = true;
                ctx.fireExceptionCaught(new PacketFsPeerTimeoutException("the peer acknowledged nothing for "
                        + TimeUnit.NANOSECONDS.toMillis(now - lastHeardNanos) + " ms while "
                        + (send.transmitted() - send.acked()) + " frames wait for it; it left, or the path is down",
                        now - lastHeardNanos));
            }
        }
        if (receiving) {
            if (recv.hasGap()) {
                long before = nacksSent;
                scanGaps(ctx, now);
                wrote |= nacksSent != before;
            }
            if ((statusDue && now - lastStatusNanos >= config.statusIntervalNanos())
                    || now - lastStatusNanos >= 10 * config.statusIntervalNanos()) {
                sendStatus(ctx);
                wrote = true;
            }
        }
        if (wrote) {
            flush(ctx);
        }
    }

    // =====================================================================================================

    private int crc32c(ByteBuf b, int index, int length) {
        crc.reset();
        if (b.hasArray()) {
            crc.update(b.array(), b.arrayOffset() + index, length);
        } else if (b.nioBufferCount() == 1) {
            crc.update(b.internalNioBuffer(index, length));
        } else {
            for (ByteBuffer part : b.nioBuffers(index, length)) {
                crc.update(part);
            }
        }
        return (int) crc.getValue();
    }

    /** This side's Session ID (in the trailer of every frame it sends). */
    public int sessionId() {
        return sessionId;
    }

    /**
     * Nanoseconds since the last valid frame from the peer (data or feedback: a STATUS keep-alive counts), by the
     * event loop's clock; call on the event loop. A peer that only acknowledges (a receiver, while the sender
     * sends) is alive as long as this stays small, although nothing reaches the handlers above.
     */
    public long silentNanos() {
        return now() - lastHeardNanos;
    }

    /** The peer's Session ID this handler locked onto, or 0 before the first valid frame. */
    public int peerSessionId() {
        return peerSession;
    }

    /** Frames written and not yet acknowledged by the peer (sent or waiting for its window). */
    public int unacknowledged() {
        return send.next() - send.acked();
    }

    /** Data frames held now, waiting for a gap before them (at most the receive window). */
    int framesHeld() {
        return recv.framesHeld();
    }

    /** Frames sent for the first time. */
    public long framesSent() {
        return framesSent;
    }

    /** Wire bytes of the frames sent for the first time (trailers included). */
    public long bytesSent() {
        return bytesSent;
    }

    /** Wire bytes of the frames sent again. */
    public long bytesRetransmitted() {
        return bytesRetransmitted;
    }

    /** Frames sent again (on NACK or timeout). */
    @Override
    public long framesRetransmitted() {
        return framesRetransmitted;
    }

    /** Retransmission timeouts that expired (no progress; the oldest frames were resent). */
    public long retransmitTimeouts() {
        return retransmitTimeouts;
    }

    /**
     * Oldest unacknowledged frames sent again because the peer, still missing one after its repair, reported frames
     * sent after that repair (the repair was lost; see docs/PROTOCOL.md 9.3).
     */
    public long headRepairs() {
        return headRepairs;
    }

    /** Frames the peer reported lost (asked for again), each counted once however often it was asked for. */
    public long framesLost() {
        return framesLost;
    }

    /** Frames reported lost over frames sent for the first time (0 before any frame was sent). */
    public double lossRate() {
        return framesSent == 0 ? 0 : (double) framesLost / framesSent;
    }

    /** The congestion controller's window in wire bytes ({@code Long.MAX_VALUE}: none). */
    public long congestionWindow() {
        return congestion.congestionWindow();
    }

    /** The rate the pacer lets frames out at, wire bytes per second, the cap included (0: unpaced). */
    public long pacingRate() {
        return pacer.rate();
    }

    /** The smoothed round trip in nanoseconds (-1 before the first sample). */
    public long smoothedRttNanos() {
        return roundTrip.smoothed();
    }

    /** The smallest round trip sampled, in nanoseconds (-1 before the first sample). */
    public long minRttNanos() {
        return roundTrip.min();
    }

    /** Wire bytes sent and not yet known to be received (repairs included). */
    public long bytesInFlightNow() {
        return bytesInFlight();
    }

    /** The congestion controller of this session. */
    public PacketFsCongestionControl congestionControl() {
        return congestion;
    }

    /** Times the pacer held a frame back (and its timer sent it later). */
    public long pacerWaits() {
        return pacerWaits;
    }

    /** Times the congestion window held a new frame back. */
    public long congestionWindowWaits() {
        return cwndWaits;
    }

    /** Binds the counters to the NACK, retransmit and drop meters (see {@link PacketFsReliabilityCounters}). */
    @Override
    public void bindMeters(PacketFsMeterBinder binder) {
        PacketFsReliabilityCounters.super.bindMeters(binder);
        binder.counter(PacketFsMetricNames.DROPS, this::invalidDropped, "source", "invalid");
        binder.counter(PacketFsMetricNames.DROPS, this::overflowDropped, "source", "window");
        binder.gauge(PacketFsMetricNames.CONGESTION_WINDOW, () -> {
            long w = congestionWindow();
            return w == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : w;
        });
        binder.gauge(PacketFsMetricNames.PACING_RATE, this::pacingRate);
        binder.gauge(PacketFsMetricNames.RTT, () -> roundTrip.measured() ? roundTrip.smoothed() / 1e9 : Double.NaN);
        binder.gauge(PacketFsMetricNames.LOSS_RATIO, this::lossRate);
    }

    /** NACK units sent (repair requests). */
    @Override
    public long nacksSent() {
        return nacksSent;
    }

    /** NACK units received. */
    @Override
    public long nacksReceived() {
        return nacksReceived;
    }

    /** STATUS units sent. */
    public long statusSent() {
        return statusSent;
    }

    /** STATUS units received. */
    public long statusReceived() {
        return statusReceived;
    }

    /** Data frames passed up, in order. */
    public long framesDelivered() {
        return framesDelivered;
    }

    /** Data frames that arrived ahead of a gap and waited for it. */
    public long framesReordered() {
        return framesReordered;
    }

    /** Data frames that arrived again (already delivered or already waiting) and were dropped. */
    @Override
    public long duplicatesDropped() {
        return duplicatesDropped;
    }

    /** Data frames beyond the advertised window, dropped. */
    public long overflowDropped() {
        return overflowDropped;
    }

    /** Frames whose CRC32C failed, dropped (and repaired as lost). */
    @Override
    public long corruptDropped() {
        return corruptDropped;
    }

    /** Inputs that are not reliable PacketFS frames (garbage, the other delivery mode, malformed feedback). */
    public long invalidDropped() {
        return invalidDropped;
    }

    /** Valid frames of another session (a third party, a replay), dropped. */
    @Override
    public long foreignDropped() {
        return foreignDropped;
    }

    /** Feedback that was duplicated, overtaken or addressed to another session of ours, ignored. */
    public long staleFeedback() {
        return staleFeedback;
    }

    @Override
    public String toString() {
        return "PacketFsReliability(session=" + Integer.toHexString(sessionId) + ", peer="
                + Integer.toHexString(peerSession) + ", sent=" + framesSent + ", retransmitted=" + framesRetransmitted
                + ", delivered=" + framesDelivered + ", nacks=" + nacksSent + "/" + nacksReceived + ", dropped dup="
                + duplicatesDropped + " corrupt=" + corruptDropped + " foreign=" + foreignDropped + " invalid="
                + invalidDropped + ")";
    }
}
