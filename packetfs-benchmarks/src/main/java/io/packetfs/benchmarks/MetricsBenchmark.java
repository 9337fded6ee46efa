package io.packetfs.benchmarks;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsTier;
import io.packetfs.metrics.PacketFsMeteredPipelines;
import io.packetfs.metrics.PacketFsMetrics;
import io.packetfs.metrics.PacketFsMetricsHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The cost of metrics on the frame codec: the same frames through {@link PacketFsMeteredPipelines#addCodec} with
 * metrics off (no handler at all), on with the default sampling (one frame in
 * {@value PacketFsMetrics#DEFAULT_SAMPLE_EVERY} timed) and on with every frame timed, into a Prometheus registry.
 *
 * <pre>
 *   Loop (keeps the frame written) | metrics? | codec (tier encoder/decoder, SYNC, CRC, window) | metrics top? | Sink
 *   encode:     write(PacketFsRefs of one frame) + flush          =&gt; the frame reaches Loop, released
 *   roundTrip:  the same, then the frame fired back in            =&gt; its units reach Sink, released
 * </pre>
 *
 * One operation is one frame: {@code L3} a full 1,500-byte frame of 372 L3 references, {@code L1} a 64-byte frame
 * of 54 L1 references (the seed's small-frame case, where a fixed cost per frame weighs most); where a window of
 * 4,096 references ends, the operation also carries the window's SYNC unit in a frame of its own. CRC on, windows of 4,096
 * references (as the file transfer uses). With metrics on, the handler publishes every 1,024 frames (far more often
 * than the one second it uses in a channel), so publishing is not left out. Compare {@code on} and {@code every} with
 * {@code off} in the same run; {@code -prof gc} shows what metrics allocate per frame. The frames run on a
 * {@link BenchmarkLoop}, {@value BenchmarkLoop#BATCH} per invocation, so that Netty's recycled objects are recycled
 * as on an event loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// leak detection off: its sampled stack traces (one buffer in 128) would add noise to every mode alike
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class MetricsBenchmark {

    /** {@code off}: no metrics handler; {@code on}: default sampling; {@code every}: every frame timed. */
    @Param({"off", "on", "every"})
    public String metrics;

    /** {@code L3}: 1,500-byte frames of 372 L3 references; {@code L1}: 64-byte frames of 54 L1 references. */
    @Param({"L3", "L1"})
    public String frame;

    /** The channel's allocator: {@code pooled} (PacketFS's transports) or {@code adaptive} (Netty's default). */
    @Param({"pooled", "adaptive"})
    public String allocator;

    private EmbeddedChannel channel;
    private PacketFsRefs refs;
    private Loop loop;
    private PacketFsMetricsHandler handler;
    private PrometheusMeterRegistry registry;
    private int frames;
    private BenchmarkLoop benchLoop;
    private Runnable encodeBatch;
    private Runnable roundTripBatch;

    @Setup(Level.Trial)
    public void setUp() {
        PacketFsTier tier = "L3".equals(frame) ? PacketFsTier.L3 : PacketFsTier.L1;
        int count = tier == PacketFsTier.L3 ? 372 : 54;
        int frameBytes = 8 + 2 + count * tier.bytes();
        PacketFsConfig config = PacketFsConfig.builder().windowPow2(12).maxFrameLength(frameBytes).build();
        PacketFsMetrics m = null;
        if (!"off".equals(metrics)) {
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            m = new PacketFsMetrics(registry, "every".equals(metrics) ? 1 : PacketFsMetrics.DEFAULT_SAMPLE_EVERY,
                    PacketFsMetrics.DEFAULT_PUBLISH_INTERVAL_MILLIS);
        }
        channel = new EmbeddedChannel();
        channel.config().setAllocator(BenchmarkBuffers.channelAllocator(allocator));
        // An EmbeddedChannel checks its scheduled tasks after every write and flush when it has any, and the metrics
        // handler schedules its publishing: give every mode one scheduled task, so that this check (which real event
        // loops do once per loop turn, not per write) costs all modes alike.
        channel.eventLoop().scheduleAtFixedRate(() -> { }, 1, 1, TimeUnit.HOURS);
        loop = new Loop();
        channel.pipeline().addLast(loop);
        PacketFsMeteredPipelines.addCodec(channel.pipeline(), config, m);
        channel.pipeline().addLast(new Sink());
        handler = channel.pipeline().get(PacketFsMetricsHandler.class);
        int[] values = new int[count];
        SplittableRandom random = new SplittableRandom(0x5EED_0006L);
        for (int i = 0; i < count; i++) {
            values[i] = (int) random.nextLong(tier.maxRef() + 1);
        }
        refs = PacketFsRefs.pack(channel.alloc(), tier, values, 0, count);
        benchLoop = new BenchmarkLoop();
        encodeBatch = BenchmarkLoop.batchOf(this::encodeFrame);
        roundTripBatch = BenchmarkLoop.batchOf(this::roundTripFrame);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        benchLoop.close();
        refs.release();
        for (ByteBuf f; (f = loop.frames.pollFirst()) != null; ) {
            f.release();
        }
        channel.finishAndReleaseAll();
        if (registry != null) {
            registry.close();
        }
    }

    /** One frame encoded: references in, the frame (and a SYNC frame at each window's end) out, released. */
    @Benchmark
    @OperationsPerInvocation(BenchmarkLoop.BATCH)
    public void encode() throws Exception {
        benchLoop.runBatch(encodeBatch);
    }

    /** One frame encoded and decoded: references in, the frames fired back in, their units released at the top. */
    @Benchmark
    @OperationsPerInvocation(BenchmarkLoop.BATCH)
    public void roundTrip() throws Exception {
        benchLoop.runBatch(roundTripBatch);
    }

    private void encodeFrame() {
        channel.write(refs.retain(), channel.voidPromise());
        channel.flush();
        for (ByteBuf f; (f = loop.frames.pollFirst()) != null; ) {
            f.release();
        }
        publishNowAndThen();
    }

    private void roundTripFrame() {
        channel.write(refs.retain(), channel.voidPromise());
        channel.flush();
        for (ByteBuf f; (f = loop.frames.pollFirst()) != null; ) {
            channel.pipeline().fireChannelRead(f);
        }
        publishNowAndThen();
    }

    private void publishNowAndThen() {
        if (handler != null && (++frames & 1023) == 0) {
            handler.publish();
        }
    }

    /** At the wire end: keeps the frames just written (a preallocated deque; no promise). */
    static final class Loop extends ChannelDuplexHandler {
        final ArrayDeque<ByteBuf> frames = new ArrayDeque<>(16);

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            frames.addLast((ByteBuf) msg);
            promise.trySuccess();
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // nothing below: the frames stay in the deque
        }
    }

    /** At the top: releases what the codec decodes. */
    static final class Sink extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            throw new IllegalStateException("the benchmark's frames must decode cleanly", cause);
        }
    }
}
