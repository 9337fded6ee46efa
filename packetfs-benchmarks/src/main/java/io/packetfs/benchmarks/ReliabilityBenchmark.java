package io.packetfs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.reliability.PacketFsReliability;
import io.packetfs.codec.reliability.PacketFsReliabilityConfig;
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

import java.util.concurrent.TimeUnit;

/**
 * The cost of reliable delivery per frame: one 1,488-byte codec frame through a sending {@link PacketFsReliability}
 * (sequence number, session id, CRC32C trailer, kept until acknowledged, congestion window and pacer), across a
 * copying "wire" into a receiving one (trailer checked, in-order delivery, STATUS at the end of a read batch at most
 * every 250 us), and the receiver's STATUS frames carried back to the sender, which frees what they acknowledge.
 *
 * <pre>
 *   frame (pooled) -&gt; sender [PacketFsReliability] -&gt; copy -&gt; [PacketFsReliability] receiver -&gt; Sink (released)
 *                          ^----------------------- STATUS ---------------------------/
 * </pre>
 *
 * Both channels run on EmbeddedChannel's mock clock, which each operation moves on by 10 us (100,000 frames/s), so
 * every timer (the tick, the pacer, the STATUS spacing) behaves as on a real event loop at that rate, independent of
 * how fast the machine is. {@link #wireOnly} does the same allocation, copy and release without the two handlers:
 * {@code reliable - wireOnly} is what the layer costs. With {@code -prof gc}, {@code gc.alloc.rate.norm} of
 * {@link #reliable} minus that of {@link #wireOnly} is what the layer allocates per frame: 0 is the target.
 *
 * <p>The frames run on a {@link BenchmarkLoop}, a thread of the kind that runs event loops, {@value BenchmarkLoop#BATCH}
 * per invocation (see there why).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class ReliabilityBenchmark {

    static final int FRAME = 1_488;
    static final long STEP_NANOS = 10_000;

    /** The channels' allocator: {@code pooled} (PacketFS's transports) or {@code adaptive} (Netty's default). */
    @Param({"pooled", "adaptive"})
    public String allocator;

    private EmbeddedChannel sender;
    private EmbeddedChannel receiver;
    private ByteBufAllocator alloc;
    private int index;
    private Sink sink;
    private BenchmarkLoop loop;
    private Runnable reliableBatch;
    private Runnable wireOnlyBatch;

    @Setup(Level.Trial)
    public void setUp() {
        PacketFsConfig codec = PacketFsConfig.builder().windowPow2(12).maxFrameLength(FRAME + 8).build();
        PacketFsReliabilityConfig config = PacketFsReliabilityConfig.builder().build();
        sender = new EmbeddedChannel();
        sender.config().setAllocator(BenchmarkBuffers.channelAllocator(allocator));
        sender.freezeTime();
        sender.pipeline().addLast(new PacketFsReliability(codec, config));
        receiver = new EmbeddedChannel();
        receiver.config().setAllocator(BenchmarkBuffers.channelAllocator(allocator));
        receiver.freezeTime();
        sink = new Sink();
        receiver.pipeline().addLast(new PacketFsReliability(codec, config)).addLast(sink);
        alloc = sender.alloc();
        loop = new BenchmarkLoop();
        reliableBatch = BenchmarkLoop.batchOf(this::reliableFrame);
        wireOnlyBatch = BenchmarkLoop.batchOf(this::wireOnlyFrame);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        loop.close();
        // every frame but those of the last few steps must have arrived, else the figure measures a stall
        if (index > 0 && sink.delivered < index - 64) {
            throw new IllegalStateException("only " + sink.delivered + " of " + index + " frames were delivered");
        }
        long unacked = sender.pipeline().get(PacketFsReliability.class).unacknowledged();
        if (unacked > 256) {
            throw new IllegalStateException(unacked + " frames were never acknowledged");
        }
        sender.finishAndReleaseAll();
        receiver.finishAndReleaseAll();
    }

    /** One frame sent reliably, delivered and (with its batch) acknowledged. */
    @Benchmark
    @OperationsPerInvocation(BenchmarkLoop.BATCH)
    public void reliable() throws Exception {
        loop.runBatch(reliableBatch);
    }

    /** The same frame allocated, copied as the wire copies it, and released, with no handler in between. */
    @Benchmark
    @OperationsPerInvocation(BenchmarkLoop.BATCH)
    public void wireOnly() throws Exception {
        loop.runBatch(wireOnlyBatch);
    }

    private void reliableFrame() {
        sender.pipeline().write(newFrame(), sender.voidPromise());
        sender.pipeline().flush();
        carry(sender, receiver);
        carry(receiver, sender);
        step(sender);
        step(receiver);
    }

    private void wireOnlyFrame() {
        ByteBuf f = newFrame();
        ByteBuf copy = alloc.buffer(f.readableBytes() + 8);
        copy.writeBytes(f);
        f.release();
        copy.release();
    }

    private ByteBuf newFrame() {
        ByteBuf f = alloc.buffer(FRAME + 8);
        f.writeByte(0x18).writeByte(12).writeShort(FRAME).writeInt(0);
        f.writeInt(index++);
        f.writerIndex(FRAME);
        return f;
    }

    /** Moves what {@code from} wrote to {@code to} as one read batch, each frame copied (a wire does not share). */
    private void carry(EmbeddedChannel from, EmbeddedChannel to) {
        boolean any = false;
        for (ByteBuf f; (f = from.readOutbound()) != null; ) {
            ByteBuf copy = alloc.buffer(f.readableBytes());
            copy.writeBytes(f, f.readerIndex(), f.readableBytes());
            f.release();
            to.pipeline().fireChannelRead(copy);
            any = true;
        }
        if (any) {
            to.pipeline().fireChannelReadComplete();
        }
    }

    private static void step(EmbeddedChannel ch) {
        ch.advanceTimeBy(STEP_NANOS, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
    }

    /** At the receiver's top: releases what is delivered. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        long delivered;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            delivered++;
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            throw new IllegalStateException("the benchmark's frames must be delivered cleanly", cause);
        }
    }
}
