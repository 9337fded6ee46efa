package io.packetfs.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsTier;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsTransports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./packetfs echo}: sends frames of random references through the full codec pipeline to an echo server,
 * checks that every echoed frame is byte-identical to the one sent and decodes cleanly, and prints frames/s and the
 * round-trip time percentiles. Exits 1 if a frame is missing or differs.
 */
@Command(name = "echo", mixinStandardHelpOptions = true,
        description = {"Sends N frames of random references through the full PacketFS codec to an echo-server,",
                "checks each echoed frame is identical, prints frames/s and round-trip p50/p99.",
                "Exits non-zero if any frame is missing or differs."})
final class EchoCommand implements Callable<Integer> {

    /** Room kept in each frame for a SYNC unit and the extra run header when a window boundary splits the run. */
    private static final int SYNC_RESERVE = 5 + 2;
    private static final int FRAME_OVERHEAD = 8 + 2;

    @Mixin
    TransportOptions transport;

    @Option(names = "--count", defaultValue = "1000", description = "Frames to send (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--size", defaultValue = "1400",
            description = "Frame size in bytes, at most (default ${DEFAULT-VALUE}; 32..9216).")
    int size;

    @Option(names = "--inflight", defaultValue = "32",
            description = "Frames in flight before waiting for echoes (default ${DEFAULT-VALUE}).")
    int inflight;

    @Option(names = "--timeout", defaultValue = "5",
            description = "Seconds without any echo before the missing frames are declared lost (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (count < 1) {
            throw new IllegalArgumentException("--count " + count + " must be at least 1");
        }
        if (size < 32 || size > PacketFsTransports.MAX_UDP_FRAME) {
            throw new IllegalArgumentException("--size " + size + " is outside 32.." + PacketFsTransports.MAX_UDP_FRAME);
        }
        if (inflight < 1) {
            throw new IllegalArgumentException("--inflight " + inflight + " must be at least 1");
        }
        PacketFsEndpoint endpoint = transport.endpoint();
        PacketFsConfig config = PacketFsConfig.builder().maxFrameLength(size).build();
        EventLoopGroup group = PacketFsTransports.newEventLoopGroup(1);
        try {
            Client client = new Client(config, count, inflight, size, timeoutSeconds, seed);
            Channel ch = PacketFsTransports.open(endpoint, PacketFsTransports.Role.CONNECT, group,
                    new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(client.tap);
                            PacketFsPipelines.addCodec(c.pipeline(), config);
                            c.pipeline().addLast(client);
                        }
                    }, size).sync().channel();
            System.out.printf("echo: %d frames of up to %d bytes to %s, %d in flight%n", count, size, endpoint,
                    inflight);
            ch.eventLoop().execute(() -> client.start(ch));
            Result r = client.done.get();
            ch.close().sync();
            System.out.println(r.report());
            return r.ok() ? 0 : 1;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** What came back. */
    static final class Result {
        long framesSent;
        long identical;
        long differ;
        long unexpected;
        long decodeErrors;
        long refsSent;
        long refsDecoded;
        double seconds;
        long[] rttNanos;

        boolean ok() {
            return identical == framesSent && differ == 0 && decodeErrors == 0 && refsDecoded == refsSent;
        }

        String report() {
            long[] sorted = rttNanos.clone();
            Arrays.sort(sorted);
            String rtt = sorted.length == 0 ? "n/a" : String.format("p50 %.1f us, p99 %.1f us",
                    sorted[(int) Math.min(sorted.length - 1, sorted.length * 50L / 100)] / 1e3,
                    sorted[(int) Math.min(sorted.length - 1, sorted.length * 99L / 100)] / 1e3);
            long missing = framesSent - identical - differ;
            return String.format("echo: %d/%d frames echoed identical, %d missing, %d differ, %d unexpected; "
                            + "%d decode errors; %,d/%,d refs decoded%n"
                            + "echo: %,.0f frames/s, round trip %s%n%s",
                    identical, framesSent, missing, differ, unexpected, decodeErrors, refsDecoded, refsSent,
                    identical / seconds, rtt, ok() ? "echo OK" : "echo FAILED: "
                            + (missing > 0 ? missing + " frame(s) never came back (is the echo-server running and "
                            + "reachable?) " : "") + (differ > 0 ? differ + " frame(s) came back changed " : "")
                            + (decodeErrors > 0 ? decodeErrors + " decode error(s)" : ""));
        }
    }

    /** Below the codec: records each outgoing frame, matches each incoming frame with it by sequence number. */
    static final class FrameTap extends ChannelDuplexHandler {
        private final Map<Integer, byte[]> sentBytes = new HashMap<>();
        private final Map<Integer, Long> sentAt = new HashMap<>();
        final Result result = new Result();
        private int rtts;
        Runnable onEcho;

        FrameTap(int expectedFrames) {
            result.rttNanos = new long[expectedFrames];
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf) {
                ByteBuf frame = (ByteBuf) msg;
                int seq = frame.getInt(frame.readerIndex() + 4);
                sentBytes.put(seq, ByteBufUtil.getBytes(frame));
                sentAt.put(seq, System.nanoTime());
                result.framesSent++;
            }
            ctx.write(msg, promise);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf && ((ByteBuf) msg).readableBytes() >= 8) {
                ByteBuf frame = (ByteBuf) msg;
                int seq = frame.getInt(frame.readerIndex() + 4);
                byte[] sent = sentBytes.remove(seq);
                Long at = sentAt.remove(seq);
                if (sent == null) {
                    result.unexpected++;
                } else {
                    if (rtts < result.rttNanos.length) {
                        result.rttNanos[rtts++] = System.nanoTime() - at;
                    }
                    boolean same = frame.readableBytes() == sent.length
                            && ByteBufUtil.equals(frame, frame.readerIndex(), io.netty.buffer.Unpooled.wrappedBuffer(sent),
                            0, sent.length);
                    if (same) {
                        result.identical++;
                    } else {
                        result.differ++;
                    }
                }
                ctx.fireChannelRead(msg);
                if (onEcho != null) {
                    onEcho.run();
                }
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        long[] rtts() {
            return Arrays.copyOf(result.rttNanos, rtts);
        }
    }

    /** Above the codec: writes one frame's worth of references per send, counts decoded references. */
    static final class Client extends ChannelInboundHandlerAdapter {
        final FrameTap tap;
        final CompletableFuture<Result> done = new CompletableFuture<>();
        private final int count;
        private final int inflight;
        private final int refsPerFrame;
        private final int timeoutSeconds;
        private final SplittableRandom random;
        private final int[] refs;
        private Channel channel;
        private int sends;
        private long start;
        private long lastProgress;
        private ScheduledFuture<?> watchdog;

        Client(PacketFsConfig config, int count, int inflight, int size, int timeoutSeconds, long seed) {
            this.tap = new FrameTap(count * 2);
            this.count = count;
            this.inflight = inflight;
            this.refsPerFrame = (size - FRAME_OVERHEAD - SYNC_RESERVE) / PacketFsTier.L3.bytes();
            this.timeoutSeconds = timeoutSeconds;
            this.random = new SplittableRandom(seed);
            this.refs = new int[refsPerFrame];
            tap.onEcho = this::onEcho;
        }

        void start(Channel ch) {
            channel = ch;
            start = System.nanoTime();
            lastProgress = start;
            watchdog = ch.eventLoop().scheduleAtFixedRate(this::checkProgress, 100, 100, TimeUnit.MILLISECONDS);
            for (int i = 0; i < inflight && sends < count; i++) {
                sendOne();
            }
        }

        private void sendOne() {
            for (int i = 0; i < refs.length; i++) {
                refs[i] = random.nextInt();
            }
            channel.write(PacketFsRefs.pack(channel.alloc(), PacketFsTier.L3, refs, 0, refs.length),
                    channel.voidPromise());
            tap.result.refsSent += refs.length;
            sends++;
            if (sends == count) {
                channel.write(io.packetfs.codec.PacketFsCloseWindow.INSTANCE, channel.voidPromise());
            }
            channel.flush(); // one frame per send: the encoder emits the frame on flush
        }

        private void onEcho() {
            lastProgress = System.nanoTime();
            if (sends < count) {
                sendOne();
            }
            Result r = tap.result;
            if (sends == count && r.identical + r.differ >= r.framesSent) {
                finish();
            }
        }

        private void checkProgress() {
            if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(timeoutSeconds)) {
                finish();
            }
        }

        private void finish() {
            if (done.isDone()) {
                return;
            }
            watchdog.cancel(false);
            Result r = tap.result;
            r.seconds = (System.nanoTime() - start) / 1e9;
            r.rttNanos = tap.rtts();
            done.complete(r);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof PacketFsRefs) {
                    tap.result.refsDecoded += ((PacketFsRefs) msg).count();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            tap.result.decodeErrors++;
            if (tap.result.decodeErrors <= 3) {
                System.err.println("echo: " + cause.getMessage());
            }
        }
    }
}
