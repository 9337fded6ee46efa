package io.packetfs.metrics;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsMeterBinder;
import io.packetfs.codec.PacketFsMeterSource;
import io.packetfs.codec.PacketFsMetricNames;
import io.packetfs.codec.PacketFsSync;
import io.packetfs.codec.PacketFsTier;
import io.packetfs.codec.PacketFsTierDecoder;
import io.packetfs.codec.PacketFsTierEncoder;
import io.packetfs.codec.reliability.PacketFsReliabilityCounters;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Publishes one channel's PacketFS figures into the shared meters of a {@link PacketFsMetrics}. It sits right above
 * the transport adapter, where it sees every frame, and {@link #codecTop()} sits right above the frame codec:
 *
 * <pre>
 *   adapter | PacketFsMetricsHandler | tier encoder/decoder, SYNC inserter, CRC checker, validator | codecTop | ...
 * </pre>
 *
 * {@link PacketFsMeteredPipelines#addCodec(io.netty.channel.ChannelPipeline, PacketFsConfig, PacketFsMetrics)}
 * puts both there. Without {@code codecTop} (a pipeline with no codec, such as a relay) only the wire meters move.
 *
 * <p><b>Per frame</b> it adds to a few primitive fields (frames, bytes) and counts down to the next sample; nothing
 * else. <b>Every {@code sampleEvery}-th frame</b> per direction has its size recorded, and one frame is timed: on
 * decode that frame, on encode the frame after it (its start is known only once the previous frame left); when the
 * timed frame carries no references (control units only) the next frame is timed instead:
 * <ul>
 *   <li>decode: from the frame entering the codec to the codec returning, minus the time spent above
 *       {@code codecTop} (the application's handlers, which run inside that call);</li>
 *   <li>encode: the time spent inside the codec's {@code write} calls between the previous frame leaving the codec
 *       and this one leaving it, minus the time spent below this handler (the transport). That is the work of
 *       packing the units that fill this frame, as the seed's 0.6 us per frame measures it; a {@code flush} that
 *       closes the open frame is not timed (neither handler takes part in {@code flush}, which saves two handler
 *       calls per flush).</li>
 * </ul>
 * The time goes to {@code packetfs_latency_seconds} of the frame's dominant tier: the tier with the most reference
 * bits in the frame (from the tier encoder's and decoder's per-tier counters; the bodies of COPY units count as L3,
 * byte-granular references into the whole pool). Frames with no references (control units only) are not timed. Pool encoding and decoding (bytes to references and back) sit above {@code codecTop}
 * and are not in these figures: they are the application's work, as is writing the file.
 *
 * <p><b>Counters</b> are the handlers' own: every {@link PacketFsMeterSource} in the pipeline binds its counters
 * (the tier encoder and decoder, SYNC inserter, CRC checker, window validator, pool handlers, the reliability handler
 * through {@link PacketFsReliabilityCounters}), and so does the channel itself if it is one. They are read and
 * published as deltas about once per {@link PacketFsMetrics#publishIntervalMillis()}, when the channel closes, and on
 * {@link #publish()}. Handlers added later (pool handlers, reliability) are found at the next publish.
 *
 * <p>Not {@code @Sharable}: one per channel; everything runs on the channel's event loop.
 */
public final class PacketFsMetricsHandler extends ChannelDuplexHandler {

    private static final PacketFsTier[] TIERS = PacketFsTier.values();

    private final PacketFsMetrics metrics;
    private final int sampleEvery;
    private final CodecTop top = new CodecTop();
    private final List<Source> sources = new ArrayList<>();
    private final Set<Object> bound = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<LevelSource> levels = new ArrayList<>();
    private final PacketFsMeterBinder binder = new PacketFsMeterBinder() {
        @Override
        public void counter(String name, LongSupplier total, String... tags) {
            bindCounter(name, total, tags);
        }

        @Override
        public void gauge(String name, java.util.function.DoubleSupplier value, String... tags) {
            levels.add(new LevelSource(metrics.level(name, tags), value));
        }
    };
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> ticker;

    private long framesOut;
    private long bytesOut;
    private long framesIn;
    private long bytesIn;
    private long syncsIn;

    private boolean topAdded;
    private PacketFsTierEncoder encoder;
    private PacketFsTierDecoder decoder;

    private int outCountdown = 1;
    private boolean encodeArmed;
    private long encodeBusy;
    private long encodeSegmentStart;
    private final long[] encodeSnapshot = new long[3];

    private int inCountdown = 1;
    private boolean decodePending;
    private final long[] decodeSnapshot = new long[3];

    PacketFsMetricsHandler(PacketFsMetrics metrics) {
        this.metrics = metrics;
        this.sampleEvery = metrics.sampleEvery();
        bindCounter(PacketFsMetricNames.FRAMES, () -> framesOut, "direction", "tx");
        bindCounter(PacketFsMetricNames.FRAMES, () -> framesIn, "direction", "rx");
        bindCounter(PacketFsMetricNames.WIRE_BYTES, () -> bytesOut, "direction", "tx");
        bindCounter(PacketFsMetricNames.WIRE_BYTES, () -> bytesIn, "direction", "rx");
        bindCounter(PacketFsMetricNames.SYNC_FRAMES, () -> syncsIn);
    }

    /** The companion handler that goes right above the frame codec (one per handler). */
    public ChannelHandler codecTop() {
        return top;
    }

    /** Binds the counters of {@code source} (once); call on the channel's event loop. */
    public void bind(PacketFsMeterSource source) {
        if (bound.add(source)) {
            source.bindMeters(binder);
        }
    }

    /** Publishes the counters now; call on the channel's event loop. */
    public void publish() {
        if (ctx != null) {
            bindPipeline();
        }
        for (int i = 0; i < sources.size(); i++) {
            sources.get(i).poll();
        }
        for (int i = 0; i < levels.size(); i++) {
            LevelSource l = levels.get(i);
            l.level.set(l.value.getAsDouble());
        }
    }

    // ------------------------------------------------------------------------------------------- lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel() instanceof PacketFsMeterSource) {
            bind((PacketFsMeterSource) ctx.channel());
        }
        bindPipeline();
        if (ctx.channel().isRegistered()) {
            startTicker();
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
        startTicker();
        ctx.fireChannelRegistered();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopTicker();
        publish();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopTicker();
        publish();
    }

    private void startTicker() {
        if (ticker == null) {
            long every = metrics.publishIntervalMillis();
            ticker = ctx.executor().scheduleAtFixedRate(this::publish, every, every, TimeUnit.MILLISECONDS);
        }
    }

    private void stopTicker() {
        if (ticker != null) {
            ticker.cancel(false);
        }
    }

    // ------------------------------------------------------------------------------------------- wire side

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf)) {
            ctx.write(msg, promise);
            return;
        }
        int size = ((ByteBuf) msg).readableBytes();
        framesOut++;
        bytesOut += size;
        if (encodeArmed) {
            encodeTimed();
        }
        if (--outCountdown == 0) {
            outCountdown = sampleEvery;
            metrics.frameSize(PacketFsMetrics.TX).record(size);
            if (topAdded && encoder != null) {
                armEncode();
            }
        }
        ctx.write(msg, promise);
        if (encodeArmed && top.depth > 0) {
            encodeSegmentStart = System.nanoTime(); // the transport's share is not the codec's
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        int size = ((ByteBuf) msg).readableBytes();
        framesIn++;
        bytesIn += size;
        if (--inCountdown == 0) {
            inCountdown = sampleEvery;
            metrics.frameSize(PacketFsMetrics.RX).record(size);
            decodePending = topAdded && decoder != null;
        }
        if (!decodePending) {
            ctx.fireChannelRead(msg);
            return;
        }
        PacketFsTierDecoder d = decoder;
        for (int i = 0; i < 3; i++) {
            decodeSnapshot[i] = d.bitsDecoded(TIERS[i]);
        }
        top.inboundNanos = 0;
        top.timingInbound = true;
        long start = System.nanoTime();
        try {
            ctx.fireChannelRead(msg);
        } finally {
            top.timingInbound = false;
        }
        long nanos = System.nanoTime() - start - top.inboundNanos;
        int tier = dominantTier(null, d, decodeSnapshot);
        if (tier >= 0) {
            decodePending = false; // else the next frame is timed instead: control-only frames carry no tier
            metrics.latency(PacketFsMetrics.DECODE, tier).record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private void armEncode() {
        encodeArmed = true;
        encodeBusy = 0;
        for (int i = 0; i < 3; i++) {
            encodeSnapshot[i] = encoder.bitsEncoded(TIERS[i]);
        }
    }

    /** The armed frame leaves the codec: stop its clock and record it. */
    private void encodeTimed() {
        encodeArmed = false;
        if (top.depth > 0) {
            encodeBusy += System.nanoTime() - encodeSegmentStart;
        }
        int tier = dominantTier(encoder, null, encodeSnapshot);
        if (tier >= 0) {
            metrics.latency(PacketFsMetrics.ENCODE, tier).record(encodeBusy, TimeUnit.NANOSECONDS);
        } else {
            armEncode(); // a control-only frame carries no tier: time the next one instead
        }
    }

    /** The tier with the most reference bits since {@code snapshot} (COPY bodies count as L3), or -1. */
    private static int dominantTier(PacketFsTierEncoder enc, PacketFsTierDecoder dec, long[] snapshot) {
        int best = -1;
        long bestBits = 0;
        for (int i = 0; i < 3; i++) {
            PacketFsTier t = TIERS[i];
            long now = enc != null ? enc.bitsEncoded(t) : dec.bitsDecoded(t);
            long bits = now - snapshot[i];
            if (bits > bestBits) {
                bestBits = bits;
                best = i;
            }
        }
        return best;
    }

    // ------------------------------------------------------------------------------------------- binding

    private void bindCounter(String name, LongSupplier total, String... tags) {
        sources.add(new Source(metrics.counter(name, tags), total));
    }

    /**
     * Binds every {@link PacketFsMeterSource} in the pipeline not bound yet, and takes note of the first tier encoder
     * and decoder: their per-tier bits attribute a timed frame to its tier.
     */
    private void bindPipeline() {
        for (Map.Entry<String, ChannelHandler> e : ctx.pipeline()) {
            ChannelHandler h = e.getValue();
            if (h == this || h == top || !bound.add(h)) {
                continue;
            }
            if (encoder == null && h instanceof PacketFsTierEncoder) {
                encoder = (PacketFsTierEncoder) h;
            } else if (decoder == null && h instanceof PacketFsTierDecoder) {
                decoder = (PacketFsTierDecoder) h;
            }
            if (h instanceof PacketFsMeterSource) {
                ((PacketFsMeterSource) h).bindMeters(binder);
            }
        }
    }

    /** One bound counter: its supplier's last reading. */
    private static final class LevelSource {
        final PacketFsMetrics.Level level;
        final java.util.function.DoubleSupplier value;

        LevelSource(PacketFsMetrics.Level level, java.util.function.DoubleSupplier value) {
            this.level = level;
            this.value = value;
        }
    }

    private static final class Source {
        private final Counter counter;
        private final LongSupplier total;
        private long last;

        Source(Counter counter, LongSupplier total) {
            this.counter = counter;
            this.total = total;
        }

        void poll() {
            long now = total.getAsLong();
            if (now > last) {
                counter.increment(now - last);
            }
            last = Math.max(last, now);
        }
    }

    /** Right above the frame codec: marks where the codec's work ends, and counts received SYNC units. */
    private final class CodecTop extends ChannelDuplexHandler {
        int depth;
        boolean timingInbound;
        long inboundNanos;

        @Override
        public void handlerAdded(ChannelHandlerContext topCtx) {
            topAdded = true;
            if (ctx != null) {
                bindPipeline(); // the codec is in place now: its counters, and the encoder/decoder for attribution
            }
        }

        @Override
        public void write(ChannelHandlerContext topCtx, Object msg, ChannelPromise promise) {
            if (encodeArmed && depth == 0) {
                encodeSegmentStart = System.nanoTime();
            }
            depth++;
            try {
                topCtx.write(msg, promise);
            } finally {
                if (--depth == 0 && encodeArmed) {
                    encodeBusy += System.nanoTime() - encodeSegmentStart;
                }
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext topCtx, Object msg) {
            if (msg instanceof PacketFsSync) {
                syncsIn++;
            }
            if (!timingInbound) {
                topCtx.fireChannelRead(msg);
                return;
            }
            long start = System.nanoTime();
            try {
                topCtx.fireChannelRead(msg);
            } finally {
                inboundNanos += System.nanoTime() - start;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext topCtx, Throwable cause) {
            if (!timingInbound) {
                topCtx.fireExceptionCaught(cause);
                return;
            }
            long start = System.nanoTime();
            try {
                topCtx.fireExceptionCaught(cause);
            } finally {
                inboundNanos += System.nanoTime() - start;
            }
        }
    }
}
