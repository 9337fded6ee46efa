package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Injects seeded, reproducible network impairments into a pipeline (for tests and drills where no netem is at
 * hand): loss, duplication, reordering, single-bit corruption and a fixed delay, on PacketFS frames ({@link ByteBuf}
 * messages, one per frame, as the transport adapters deliver them) in one direction or both. Every other message
 * passes through untouched. Place it above the transport adapter.
 *
 * <p>For each frame the handler draws four numbers from the direction's {@link SplittableRandom}, always in this
 * order (so changing one probability does not shift the others' decisions), and applies, in this order:
 * <pre>
 *   frame --loss?--> dropped (released; an outbound promise succeeds: the frame was "sent" and lost on the wire)
 *         --corrupt?--> one random bit of one random byte flipped (in place, or on a copy if the buffer is shared
 *                       or read-only: refCnt() != 1 or isReadOnly(); the original is then released)
 *         --duplicate?--> frame, then frame.retainedDuplicate() (same bytes, so a corrupted frame is duplicated
 *                         corrupted)
 *         --reorder?--> held back (only if no other frame is held) and released right after the next 1..N frames
 *                       that pass (N = reorderDepth, drawn per held frame); with p = 1 and N = 1 neighbours swap:
 *                       1 2 3 4 becomes 2 1 4 3
 *         --delay--> every frame that leaves is handed on delayMillis later, scheduled on ctx.executor(), in order;
 *                    a delayed inbound frame is followed by channelReadComplete, a delayed write by a flush
 * </pre>
 * Counters ({@link #framesPassed()}, {@link #dropped()}, ...) cover both directions. A frame that is still held or
 * delayed when the handler is removed (which includes the channel closing) is released and its write promise fails
 * with a {@link ClosedChannelException}; it is not counted as passed or dropped. Same settings, same seed and the
 * same input sequence give the same output sequence.
 * Not {@code @Sharable}: it holds per-direction random state and held frames.
 */
public final class PacketFsImpairment extends ChannelDuplexHandler {

    /** Which traffic is impaired. */
    public enum Direction {
        /** Frames read from the channel. */
        INBOUND,
        /** Frames written to the channel. */
        OUTBOUND,
        /** Both. */
        BOTH
    }

    private final Settings settings;
    private final Lane inbound;
    private final Lane outbound;
    private ChannelHandlerContext ctx;

    private volatile long framesPassed;
    private volatile long dropped;
    private volatile long duplicated;
    private volatile long reordered;
    private volatile long corrupted;
    private volatile long delayed;

    /** A handler that impairs frames as {@code settings} describe. */
    public PacketFsImpairment(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        SplittableRandom root = new SplittableRandom(settings.seed);
        Lane in = new Lane(root.split(), false);
        Lane out = new Lane(root.split(), true);
        this.inbound = settings.direction != Direction.OUTBOUND ? in : null;
        this.outbound = settings.direction != Direction.INBOUND ? out : null;
    }

    /** The settings this handler applies. */
    public Settings settings() {
        return settings;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (inbound != null && msg instanceof ByteBuf) {
            inbound.onFrame(ctx, (ByteBuf) msg, null);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (outbound != null && msg instanceof ByteBuf) {
            outbound.onFrame(ctx, (ByteBuf) msg, promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (inbound != null) {
            inbound.discardAll();
        }
        if (outbound != null) {
            outbound.discardAll();
        }
    }

    /** Frames handed on (duplicates included). */
    public long framesPassed() {
        return framesPassed;
    }

    /** Frames dropped (lost). */
    public long dropped() {
        return dropped;
    }

    /** Frames sent twice. */
    public long duplicated() {
        return duplicated;
    }

    /** Frames held back and released after later frames. */
    public long reordered() {
        return reordered;
    }

    /** Frames with one bit flipped. */
    public long corrupted() {
        return corrupted;
    }

    /** Frames handed on after the delay. */
    public long delayed() {
        return delayed;
    }

    /** Frames held back or waiting for their delay right now (both directions). */
    public int pending() {
        return (inbound != null ? inbound.pending() : 0) + (outbound != null ? outbound.pending() : 0);
    }

    /** The counters in one line, e.g. for a command's summary. */
    public String counters() {
        return framesPassed + " passed, " + dropped + " dropped, " + duplicated + " duplicated, " + reordered
                + " reordered, " + corrupted + " corrupted, " + delayed + " delayed";
    }

    @Override
    public String toString() {
        return "PacketFsImpairment(" + settings + ")";
    }

    /** The state of one direction: its random stream, the held frame and the delay queue. */
    private final class Lane implements Runnable {
        private final SplittableRandom random;
        private final boolean outbound;
        private final ArrayDeque<Object> delayQueue = new ArrayDeque<>(); // frame, promise (or NO_PROMISE) pairs
        private ByteBuf heldFrame;
        private ChannelPromise heldPromise;
        private int heldCountdown;

        Lane(SplittableRandom random, boolean outbound) {
            this.random = random;
            this.outbound = outbound;
        }

        void onFrame(ChannelHandlerContext ctx, ByteBuf frame, ChannelPromise promise) {
            double lossDraw = random.nextDouble();
            double corruptDraw = random.nextDouble();
            double duplicateDraw = random.nextDouble();
            double reorderDraw = random.nextDouble();
            if (lossDraw < settings.loss) {
                dropped++;
                frame.release();
                if (promise != null) {
                    promise.trySuccess();
                }
                return;
            }
            if (corruptDraw < settings.corrupt && frame.isReadable()) {
                frame = flipOneBit(ctx, frame, promise);
                if (frame == null) {
                    return;
                }
                corrupted++;
            }
            ByteBuf duplicate = null;
            if (duplicateDraw < settings.duplicate) {
                duplicate = frame.retainedDuplicate();
                duplicated++;
            }
            if (reorderDraw < settings.reorder && heldFrame == null) {
                heldFrame = frame;
                heldPromise = promise;
                heldCountdown = settings.reorderDepth == 1 ? 1 : 1 + random.nextInt(settings.reorderDepth);
                reordered++;
            } else {
                pass(ctx, frame, promise);
            }
            if (duplicate != null) {
                pass(ctx, duplicate, promise != null ? ctx.newPromise() : null);
            }
        }

        /** Flips one bit; returns the frame to hand on, or null if it failed (frame released, promise failed). */
        private ByteBuf flipOneBit(ChannelHandlerContext ctx, ByteBuf frame, ChannelPromise promise) {
            int length = frame.readableBytes();
            int index = random.nextInt(length);
            int bit = random.nextInt(8);
            ByteBuf target = frame;
            if (frame.refCnt() != 1 || frame.isReadOnly()) {
                // copy-on-write: others see the original bytes
                try {
                    target = ctx.alloc().buffer(length, length);
                    target.writeBytes(frame, frame.readerIndex(), length);
                } catch (RuntimeException e) {
                    if (promise != null) {
                        promise.tryFailure(e);
                    } else {
                        ctx.fireExceptionCaught(e);
                    }
                    return null;
                } finally {
                    frame.release();
                }
            }
            int at = target.readerIndex() + index;
            target.setByte(at, target.getByte(at) ^ (1 << bit));
            return target;
        }

        private void pass(ChannelHandlerContext ctx, ByteBuf frame, ChannelPromise promise) {
            leave(ctx, frame, promise);
            if (heldFrame != null && --heldCountdown == 0) {
                ByteBuf f = heldFrame;
                ChannelPromise p = heldPromise;
                heldFrame = null;
                heldPromise = null;
                leave(ctx, f, p);
            }
        }

        private void leave(ChannelHandlerContext ctx, ByteBuf frame, ChannelPromise promise) {
            if (settings.delayMillis > 0) {
                delayQueue.add(frame);
                delayQueue.add(promise != null ? promise : NO_PROMISE);
                ctx.executor().schedule(this, settings.delayMillis, TimeUnit.MILLISECONDS);
            } else {
                handOn(ctx, frame, promise);
            }
        }

        private void handOn(ChannelHandlerContext ctx, ByteBuf frame, ChannelPromise promise) {
            framesPassed++;
            if (outbound) {
                ctx.write(frame, promise);
            } else {
                ctx.fireChannelRead(frame);
            }
        }

        /** The delay expired for the oldest delayed frame (fixed delay: tasks run in the order frames queued). */
        @Override
        public void run() {
            ByteBuf frame = (ByteBuf) delayQueue.poll();
            if (frame == null) {
                return; // discarded when the handler was removed
            }
            Object p = delayQueue.poll();
            delayed++;
            handOn(ctx, frame, p == NO_PROMISE ? null : (ChannelPromise) p);
            if (outbound) {
                ctx.flush();
            } else {
                ctx.fireChannelReadComplete();
            }
        }

        int pending() {
            return delayQueue.size() / 2 + (heldFrame != null ? 1 : 0);
        }

        void discardAll() {
            if (heldFrame != null) {
                ByteBuf f = heldFrame;
                ChannelPromise p = heldPromise;
                heldFrame = null;
                heldPromise = null;
                discard(f, p);
            }
            for (Object f = delayQueue.poll(); f != null; f = delayQueue.poll()) {
                Object p = delayQueue.poll();
                discard((ByteBuf) f, p == NO_PROMISE ? null : (ChannelPromise) p);
            }
        }

        private void discard(ByteBuf frame, ChannelPromise promise) {
            frame.release();
            if (promise != null) {
                promise.tryFailure(new ClosedChannelException());
            }
        }
    }

    private static final Object NO_PROMISE = new Object();

    /**
     * What to impair and how often. Immutable; build with {@link #builder()}. Probabilities are fractions in [0, 1]
     * (0.05 = 5 %).
     */
    public static final class Settings {
        /** No impairment at all. */
        public static final Settings NONE = builder().build();

        /** Probability that a frame is dropped; default 0. */
        private final double loss;
        /** Probability that a frame is sent twice; default 0. */
        private final double duplicate;
        /** Probability that a frame is held back behind later frames; default 0. */
        private final double reorder;
        /** A held frame is released after 1..reorderDepth later frames; default 1 (neighbours swap). */
        private final int reorderDepth;
        /** Probability that one bit of a frame is flipped; default 0. */
        private final double corrupt;
        /** Fixed delay of every frame in milliseconds; default 0 (none). */
        private final long delayMillis;
        /** Seed of the random streams; default 1. */
        private final long seed;
        /** The impaired direction; default {@link Direction#BOTH}. */
        private final Direction direction;

        private Settings(Builder b) {
            this.loss = b.loss;
            this.duplicate = b.duplicate;
            this.reorder = b.reorder;
            this.reorderDepth = b.reorderDepth;
            this.corrupt = b.corrupt;
            this.delayMillis = b.delayMillis;
            this.seed = b.seed;
            this.direction = b.direction;
        }

        /** A builder with the defaults: no impairment, seed 1, both directions. */
        public static Builder builder() {
            return new Builder();
        }

        /** Probability of loss. */
        public double loss() {
            return loss;
        }

        /** Probability of duplication. */
        public double duplicate() {
            return duplicate;
        }

        /** Probability of reordering. */
        public double reorder() {
            return reorder;
        }

        /** Maximum number of later frames a held frame waits for. */
        public int reorderDepth() {
            return reorderDepth;
        }

        /** Probability of a one-bit corruption. */
        public double corrupt() {
            return corrupt;
        }

        /** Fixed delay in milliseconds. */
        public long delayMillis() {
            return delayMillis;
        }

        /** Random seed. */
        public long seed() {
            return seed;
        }

        /** Impaired direction. */
        public Direction direction() {
            return direction;
        }

        /** True if any impairment is configured. */
        public boolean isActive() {
            return loss > 0 || duplicate > 0 || reorder > 0 || corrupt > 0 || delayMillis > 0;
        }

        @Override
        public String toString() {
            return "loss=" + loss + ", duplicate=" + duplicate + ", reorder=" + reorder + " (depth " + reorderDepth
                    + "), corrupt=" + corrupt + ", delay=" + delayMillis + "ms, seed=" + seed + ", " + direction;
        }

        /** Builds {@link Settings}; {@link #build()} validates. */
        public static final class Builder {
            private double loss;
            private double duplicate;
            private double reorder;
            private int reorderDepth = 1;
            private double corrupt;
            private long delayMillis;
            private long seed = 1;
            private Direction direction = Direction.BOTH;

            private Builder() {
            }

            /** Probability in [0, 1] that a frame is dropped. */
            public Builder loss(double p) {
                this.loss = p;
                return this;
            }

            /** Probability in [0, 1] that a frame is sent twice. */
            public Builder duplicate(double p) {
                this.duplicate = p;
                return this;
            }

            /** Probability in [0, 1] that a frame is held back behind the next frame(s). */
            public Builder reorder(double p) {
                this.reorder = p;
                return this;
            }

            /** A held frame is released after 1..depth later frames (at least 1). */
            public Builder reorderDepth(int depth) {
                this.reorderDepth = depth;
                return this;
            }

            /** Probability in [0, 1] that one bit of a frame is flipped. */
            public Builder corrupt(double p) {
                this.corrupt = p;
                return this;
            }

            /** Fixed delay in milliseconds (0 = none). */
            public Builder delayMillis(long millis) {
                this.delayMillis = millis;
                return this;
            }

            /** Seed of the random streams. */
            public Builder seed(long seed) {
                this.seed = seed;
                return this;
            }

            /** The impaired direction. */
            public Builder direction(Direction direction) {
                this.direction = direction;
                return this;
            }

            /** Validates and builds. */
            public Settings build() {
                validate();
                return new Settings(this);
            }

            private void validate() {
                checkProbability("loss", loss);
                checkProbability("duplicate", duplicate);
                checkProbability("reorder", reorder);
                checkProbability("corrupt", corrupt);
                if (reorderDepth < 1) {
                    throw new IllegalArgumentException("reorderDepth " + reorderDepth + " (expected >= 1)");
                }
                if (delayMillis < 0) {
                    throw new IllegalArgumentException("delayMillis " + delayMillis + " (expected >= 0)");
                }
                Objects.requireNonNull(direction, "direction");
            }

            private static void checkProbability(String name, double p) {
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException(name + " probability " + p + " (expected 0..1)");
                }
            }
        }
    }
}
