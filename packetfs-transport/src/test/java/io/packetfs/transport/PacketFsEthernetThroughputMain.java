package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ResourceLeakDetector;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A rough frames/s figure for the raw channel between two network namespaces over a veth pair: one channel sends as
 * fast as its event loop can, the other counts what arrives. Not a test and not a benchmark with error bars: a
 * number to compare with, printed with the drops that explain the gap between sent and received.
 *
 * <pre>
 * ./mvnw -q -B test-compile -pl packetfs-transport
 * ./mvnw -q -B exec:java -pl packetfs-transport -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.packetfs.transport.PacketFsEthernetThroughputMain -Dexec.args="64,1400 3"
 * </pre>
 * Arguments: payload sizes (comma-separated, default 64,1400) and seconds per size (default 3). Needs root.
 */
public final class PacketFsEthernetThroughputMain {

    private static final int BATCH = 256;

    private PacketFsEthernetThroughputMain() {
    }

    public static void main(String[] args) throws Exception {
        String[] sizes = (args.length > 0 ? args[0] : "64,1400").split(",");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        if (!VethPair.canRun()) {
            System.err.println("cannot run: " + VethPair.skipReason());
            System.exit(2);
        }
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        PacketFsEthernet.ensureAvailability();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        try (VethPair veth = VethPair.create()) {
            System.out.printf(Locale.ROOT, "%8s %12s %12s %12s %10s %10s%n", "payload", "sent/s", "received/s",
                    "kernel drops", "loss %", "Mbit/s");
            for (String size : sizes) {
                run(group, veth, Integer.parseInt(size.trim()), seconds);
            }
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void run(EventLoopGroup group, VethPair veth, int size, int seconds) throws Exception {
        AtomicLong received = new AtomicLong();
        PacketFsEthernetChannel a = new PacketFsEthernetChannel(veth.interfaceA(), PacketFsMacAddress.BROADCAST,
                veth.netnsA());
        PacketFsEthernetChannel b = new PacketFsEthernetChannel(veth.interfaceB(), PacketFsMacAddress.BROADCAST,
                veth.netnsB());
        b.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                received.incrementAndGet();
                ReferenceCountUtil.release(msg);
            }
        });
        // Round robin: a and b land on different event loops (threads).
        group.register(a).sync();
        group.register(b).sync();
        ByteBuf payload = a.alloc().directBuffer(size).writeZero(size);
        try {
            long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
            long[] atStart = new long[3];
            Runnable sender = new Runnable() {
                boolean measuring;

                @Override
                public void run() {
                    long now = System.nanoTime();
                    if (!measuring && now - warmupEnd >= 0) {
                        measuring = true;
                        atStart[0] = a.framesSent();
                        atStart[1] = received.get();
                        atStart[2] = b.kernelDrops();
                    }
                    if (now - end >= 0 || !a.isActive()) {
                        return;
                    }
                    for (int i = 0; i < BATCH && a.isWritable(); i++) {
                        a.write(payload.retainedDuplicate(), a.voidPromise());
                    }
                    a.flush();
                    a.eventLoop().execute(this);
                }
            };
            a.eventLoop().execute(sender);
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 200);
            long sent = a.framesSent() - atStart[0];
            long got = received.get() - atStart[1];
            long drops = b.kernelDrops() - atStart[2];
            double sentRate = sent / (double) seconds;
            double gotRate = got / (double) seconds;
            System.out.printf(Locale.ROOT, "%8d %12.0f %12.0f %12d %10.2f %10.1f%n", size, sentRate, gotRate, drops,
                    sent == 0 ? 0.0 : 100.0 * (sent - got) / sent, gotRate * size * 8 / 1e6);
        } finally {
            payload.release();
            a.close().sync();
            b.close().sync();
        }
    }
}
