package io.packetfs.examples;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsTransports;
import org.HdrHistogram.Histogram;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One measured trial of one {@code bench} row over UDP loopback: a sender on one event loop, a receiver on another,
 * fresh channels for every trial.
 *
 * <p><b>Throughput phase.</b> The sender writes messages back to back (a flush every {@link
 * BenchWorkload#FLUSH_EVERY} messages) while at most {@code inflight} messages are sent but not yet decoded (a
 * credit window, so the socket buffers never overflow and nothing is lost). After a warm-up, the receiver's counts
 * over {@code seconds} give frames/s (frames that reached the tier decoder), references/s and reference bits/s (that
 * came out of the SYNC validator), wire bits/s (PacketFS frame bytes, UDP/IP headers not counted) and the packing
 * efficiency (reference bits / frame bits, PROTOCOL.md section 4.1).
 *
 * <p><b>Latency phase.</b> One message in flight at a time: t0 is read on the sender's event loop just before the
 * message's references are packed ({@code PacketFsRefs.pack}) and written into the pipeline (SYNC inserter, tier
 * encoder, UDP adapter, flush); t1 on the receiver's event loop when the message's last reference has come out of the
 * tier decoder, the CRC window checker and the SYNC validator. t1 - t0 goes into an HdrHistogram (after a few
 * warm-up messages); the next message is sent when the previous one has arrived, so this is the pipeline's latency
 * without queueing. The plain-UDP line measures the same from its write to its receipt of each datagram.
 */
final class BenchTrial {

    /** Highest latency the histogram tracks (longer ones are recorded as this). */
    static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How long the receiver may take to catch up with the sender before lost messages are declared. */
    private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long LATENCY_TIMEOUT_SECONDS = 60;

    /** What a trial runs. */
    static final class Settings {
        final double warmupSeconds;
        final double seconds;
        final int inflight;
        final int latencySamples;
        final int latencyWarmup;

        Settings(double warmupSeconds, double seconds, int inflight, int latencySamples, int latencyWarmup) {
            this.warmupSeconds = warmupSeconds;
            this.seconds = seconds;
            this.inflight = inflight;
            this.latencySamples = latencySamples;
            this.latencyWarmup = latencyWarmup;
        }
    }

    /** The figures of one trial; NaN where a figure does not apply (references of the plain-UDP line). */
    static final class Sample {
        double fps;
        double refsPerSecond;
        double refBitsPerSecond;
        double wireBitsPerSecond;
        double efficiency;
        double frameBytes;
        double latencyAvgMicros;
        double latencyP50Micros;
        double latencyP95Micros;
        double latencyP99Micros;
        double latencyMaxMicros;
        long latencyCount;
        long frames;
    }

    private BenchTrial() {
    }

    /** The row's messages through the whole PacketFS pipeline (PacketFsPipelines.addCodec) over UDP loopback. */
    static Sample runPacketFs(BenchWorkload w, Settings s, EventLoopGroup txGroup, EventLoopGroup rxGroup)
            throws Exception {
        int maxFrame = w.config.maxFrameLength();
        Meter meter = new Meter(w.messages() - 1);
        PacketFsSink sink = new PacketFsSink(meter, w.messageRefs);
        Channel rx = PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", 0), PacketFsTransports.Role.LISTEN,
                rxGroup, new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(meter.wire);
                        PacketFsPipelines.addCodec(ch.pipeline(), w.config);
                        ch.pipeline().addLast(sink);
                    }
                }, maxFrame).sync().channel();
        Channel tx = null;
        try {
            int port = ((InetSocketAddress) rx.localAddress()).getPort();
            tx = PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", port), PacketFsTransports.Role.CONNECT,
                    txGroup, new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            PacketFsPipelines.addCodec(ch.pipeline(), w.config);
                            ch.pipeline().addLast(meter.senderErrors);
                        }
                    }, maxFrame).sync().channel();
            Channel out = tx;
            BenchWorkload.RunSink runs = run -> out.write(run, out.voidPromise());
            return measure(new Sender(tx, meter, s.inflight, i -> w.write((int) i, out.alloc(), runs)), meter, s,
                    rx, true);
        } finally {
            if (tx != null) {
                tx.close().sync();
            }
            rx.close().sync();
        }
    }

    /** {@code frames} (one message each) as plain UDP datagrams, no PacketFS handler on either side. */
    static Sample runPlainUdp(List<ByteBuf> frames, Settings s, EventLoopGroup txGroup, EventLoopGroup rxGroup)
            throws Exception {
        int maxFrame = 0;
        for (ByteBuf f : frames) {
            maxFrame = Math.max(maxFrame, f.readableBytes());
        }
        Meter meter = new Meter(-1);
        Channel rx = PlainUdp.openReceiver(rxGroup, new InetSocketAddress("127.0.0.1", 0), null, maxFrame,
                new PlainSink(meter));
        Channel tx = null;
        try {
            InetSocketAddress target = new InetSocketAddress("127.0.0.1",
                    ((InetSocketAddress) rx.localAddress()).getPort());
            tx = PlainUdp.openSender(txGroup, new InetSocketAddress("127.0.0.1", 0), null, meter.senderErrors);
            Channel out = tx;
            int n = frames.size();
            return measure(new Sender(tx, meter, s.inflight, i -> out.write(new DatagramPacket(
                    frames.get((int) (i % n)).retainedDuplicate(), target), out.voidPromise())), meter, s, rx, false);
        } finally {
            if (tx != null) {
                tx.close().sync();
            }
            rx.close().sync();
        }
    }

    private static Sample measure(Sender sender, Meter meter, Settings s, Channel rx, boolean refs) throws Exception {
        meter.sender = sender;
        Channel tx = sender.ch;
        tx.config().setWriteBufferWaterMark(new WriteBufferWaterMark(256 * 1024, 512 * 1024));

        // throughput
        tx.eventLoop().submit(sender::startThroughput).sync();
        Thread.sleep(Math.round(s.warmupSeconds * 1000));
        long[] a = snapshot(rx, meter);
        Thread.sleep(Math.max(1, Math.round(s.seconds * 1000)));
        long[] b = snapshot(rx, meter);
        tx.eventLoop().submit(sender::stop).sync();
        drain(sender, meter);
        meter.check();

        Sample r = new Sample();
        double secs = (b[0] - a[0]) / 1e9;
        long frames = b[1] - a[1];
        long bytes = b[2] - a[2];
        r.frames = frames;
        r.fps = frames / secs;
        r.wireBitsPerSecond = bytes * 8 / secs;
        r.frameBytes = frames == 0 ? Double.NaN : (double) bytes / frames;
        if (refs) {
            r.refsPerSecond = (b[3] - a[3]) / secs;
            r.refBitsPerSecond = (b[4] - a[4]) / secs;
            r.efficiency = bytes == 0 ? Double.NaN : (double) (b[4] - a[4]) / (bytes * 8);
        } else {
            r.refsPerSecond = Double.NaN;
            r.refBitsPerSecond = Double.NaN;
            r.efficiency = Double.NaN;
        }

        // latency
        CompletableFuture<Void> done = new CompletableFuture<>();
        tx.eventLoop().submit(() -> sender.startLatency(s.latencySamples + s.latencyWarmup, s.latencyWarmup,
                done)).sync();
        try {
            done.get(LATENCY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("latency phase stalled for " + LATENCY_TIMEOUT_SECONDS + " s: a message "
                    + "was lost on loopback (" + meter.errorText() + ")");
        }
        meter.check();
        Histogram h = meter.latency;
        r.latencyCount = h.getTotalCount();
        r.latencyAvgMicros = h.getMean() / 1e3;
        r.latencyP50Micros = h.getValueAtPercentile(50) / 1e3;
        r.latencyP95Micros = h.getValueAtPercentile(95) / 1e3;
        r.latencyP99Micros = h.getValueAtPercentile(99) / 1e3;
        r.latencyMaxMicros = h.getMaxValue() / 1e3;
        return r;
    }

    /** {time, frames, bytes, refs, ref bits}, read on the receiver's event loop, where they are counted. */
    private static long[] snapshot(Channel rx, Meter m) throws Exception {
        return rx.eventLoop().submit(() -> new long[] {System.nanoTime(), m.wire.framesIn, m.wire.bytesIn, m.refs,
                m.refBits}).get();
    }

    private static void drain(Sender sender, Meter meter) throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
        while (meter.done.get() < sender.sent) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException((sender.sent - meter.done.get()) + " of " + sender.sent
                        + " messages never arrived on loopback (" + meter.errorText() + ")");
            }
            Thread.sleep(1);
        }
    }

    /** Writes message number {@code i} (the writer takes it modulo its schedule). */
    interface MessageWriter {
        void write(long i);
    }

    /** Counts the frames a receiver's transport adapter passes up, and their bytes. */
    static final class InCounter extends io.netty.channel.ChannelInboundHandlerAdapter {
        volatile long framesIn;
        volatile long bytesIn;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof io.netty.buffer.ByteBuf) {
                framesIn++;
                bytesIn += ((io.netty.buffer.ByteBuf) msg).readableBytes();
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** The receiver's counts (written on its event loop only) and the sender's credit. */
    static final class Meter {
        final InCounter wire = new InCounter();
        final AtomicLong done = new AtomicLong();
        final Histogram latency = new Histogram(MAX_LATENCY_NANOS, 3);
        final int scheduleMask;
        final ErrorCatcher senderErrors = new ErrorCatcher(this, "sender");
        volatile long refs;
        volatile long refBits;
        volatile Sender sender;
        private final AtomicLong errors = new AtomicLong();
        private volatile String firstError;

        Meter(int scheduleMask) {
            this.scheduleMask = scheduleMask;
        }

        /** Called on the receiver's event loop when a whole message has arrived, at {@code nanos}. */
        void messageDone(long nanos) {
            sender.onMessageDone(done.incrementAndGet(), nanos);
        }

        void error(String where, Throwable cause) {
            if (errors.getAndIncrement() == 0) {
                firstError = where + ": " + cause;
            }
        }

        String errorText() {
            long n = errors.get();
            return n == 0 ? "no error reported" : n + " error(s), the first: " + firstError;
        }

        void check() {
            if (errors.get() > 0) {
                throw new IllegalStateException("the pipeline reported " + errorText()
                        + "; the figures of this run would not mean anything");
            }
        }
    }

    /** Counts errors of either side instead of letting Netty log them. */
    @ChannelHandler.Sharable
    static final class ErrorCatcher extends ChannelInboundHandlerAdapter {
        private final Meter meter;
        private final String side;

        ErrorCatcher(Meter meter, String side) {
            this.meter = meter;
            this.side = side;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            meter.error(side, cause);
        }
    }

    /** End of the receiver's PacketFS pipeline: counts references and completes messages. */
    static final class PacketFsSink extends ChannelInboundHandlerAdapter {
        private final Meter meter;
        private final int[] messageRefs;
        private long message;
        private int remaining;

        PacketFsSink(Meter meter, int[] messageRefs) {
            this.meter = meter;
            this.messageRefs = messageRefs;
            this.remaining = messageRefs[0];
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof PacketFsRefs) {
                    PacketFsRefs run = (PacketFsRefs) msg;
                    int n = run.count();
                    meter.refs += n;
                    meter.refBits += (long) n * run.tier().bits();
                    remaining -= n;
                    if (remaining == 0) {
                        long now = System.nanoTime();
                        message++;
                        remaining = messageRefs[(int) (message & meter.scheduleMask)];
                        meter.messageDone(now);
                    } else if (remaining < 0) {
                        meter.error("receiver", new IllegalStateException("a run crossed message " + message
                                + ": references were lost or reordered"));
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg); // runs and SYNC units
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            meter.error("receiver", cause);
        }
    }

    /** The plain-UDP receiver: one datagram is one message. */
    static final class PlainSink extends ChannelInboundHandlerAdapter {
        private final Meter meter;

        PlainSink(Meter meter) {
            this.meter = meter;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            long now = System.nanoTime();
            try {
                if (msg instanceof DatagramPacket) {
                    InCounter w = meter.wire;
                    w.framesIn++;
                    w.bytesIn += ((DatagramPacket) msg).content().readableBytes();
                    meter.messageDone(now);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            meter.error("receiver", cause);
        }
    }

    /**
     * Runs on the sender's event loop. Throughput: writes while fewer than {@code inflight} messages are
     * outstanding, parks otherwise, and is woken by the receiver when half the window is free. Latency: one message,
     * then the next when the receiver has it.
     */
    static final class Sender implements Runnable {
        private static final int MAX_PER_RUN = 1024;
        final Channel ch;
        private final Meter meter;
        private final int inflight;
        private final MessageWriter writer;
        private final AtomicBoolean parked = new AtomicBoolean();
        private final Runnable sendOneTask = this::sendOne;
        volatile long sent;
        private volatile boolean throughput;
        private volatile boolean latency;
        private volatile long sentAt;
        private long latencyBase;
        private int latencyTotal;
        private int latencyWarmup;
        private CompletableFuture<Void> latencyDone;

        Sender(Channel ch, Meter meter, int inflight, MessageWriter writer) {
            this.ch = ch;
            this.meter = meter;
            this.inflight = inflight;
            this.writer = writer;
        }

        void startThroughput() {
            throughput = true;
            run();
        }

        void stop() {
            throughput = false;
        }

        @Override
        public void run() {
            if (!throughput || !ch.isActive()) {
                return;
            }
            int n = 0;
            while (true) {
                if (sent - meter.done.get() >= inflight) {
                    parked.set(true);
                    if (sent - meter.done.get() >= inflight) {
                        break; // the receiver wakes us
                    }
                    parked.set(false);
                }
                if (!ch.isWritable()) {
                    ch.flush();
                    ch.eventLoop().schedule(this, 50, TimeUnit.MICROSECONDS);
                    return;
                }
                writer.write(sent);
                sent++;
                if (++n % BenchWorkload.FLUSH_EVERY == 0) {
                    ch.flush();
                }
                if (n == MAX_PER_RUN) {
                    ch.flush();
                    ch.eventLoop().execute(this); // let other tasks (stop) in
                    return;
                }
            }
            ch.flush();
        }

        void startLatency(int total, int warmup, CompletableFuture<Void> whenDone) {
            latencyBase = sent;
            latencyTotal = total;
            latencyWarmup = warmup;
            latencyDone = whenDone;
            meter.latency.reset();
            latency = true;
            sendOne();
        }

        private void sendOne() {
            sentAt = System.nanoTime();
            writer.write(sent);
            sent++;
            ch.flush();
        }

        /** On the receiver's event loop: message number {@code done} (1-based) arrived at {@code nanos}. */
        void onMessageDone(long done, long nanos) {
            if (latency) {
                long k = done - latencyBase;
                if (k > latencyWarmup) {
                    meter.latency.recordValue(Math.min(nanos - sentAt, MAX_LATENCY_NANOS));
                }
                if (k >= latencyTotal) {
                    latency = false;
                    latencyDone.complete(null);
                } else {
                    ch.eventLoop().execute(sendOneTask);
                }
            } else if (parked.get() && sent - done <= inflight / 2 && parked.compareAndSet(true, false)) {
                ch.eventLoop().execute(this);
            }
        }
    }
}
