package io.packetfs.examples;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsTier;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsEthernet;
import io.packetfs.transport.PacketFsNetns;
import io.packetfs.transport.PacketFsTransports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./packetfs bench-transport}: frames/s across a veth pair between two network namespaces that the command
 * creates (and removes), for the raw Ethernet channel and the UDP tunnel, each carrying the full PacketFS codec, and
 * for a plain Netty UDP sender/receiver of the same payload sizes as the baseline, all in one run.
 * The sender writes as fast as the channel accepts; the figure is what the receiver counted per second.
 */
@Command(name = "bench-transport", mixinStandardHelpOptions = true,
        description = {"Frames/s over a veth pair between two namespaces it creates (Linux, root):",
                "raw Ethernet + PacketFS codec, UDP tunnel + PacketFS codec, and plain Netty UDP as the baseline,",
                "for each payload size. Receiver-side counts; the sender writes as fast as the channel accepts."})
final class TransportBenchCommand implements Callable<Integer> {

    private static final String NS_A = "pfs-bench-a";
    private static final String NS_B = "pfs-bench-b";
    private static final int UDP_PORT = 47000;

    @Option(names = "--seconds", defaultValue = "3", description = "Measured seconds per case (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--sizes", defaultValue = "64,1400", split = ",",
            description = "Payload sizes in bytes (default ${DEFAULT-VALUE}).")
    int[] sizes;

    @Option(names = "--repeat", defaultValue = "1", description = "Runs of the whole set; medians are shown.")
    int repeat;

    @Override
    public Integer call() throws Exception {
        PacketFsEthernet.ensureAvailability();
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("bench-transport creates network namespaces: run it as root");
        }
        Veth veth = Veth.create();
        EventLoopGroup rxGroup = PacketFsTransports.newEventLoopGroup(1);
        EventLoopGroup txGroup = PacketFsTransports.newEventLoopGroup(1);
        try {
            System.out.printf("bench-transport: veth %s/%s <-> %s/%s, %d s per case, %d run(s)%n", NS_A, Veth.IF_A,
                    NS_B, Veth.IF_B, seconds, repeat);
            System.out.printf("%-26s %8s %14s %12s %10s%n", "case", "payload", "rx frames/s", "rx Mbit/s", "vs plain");
            for (int size : sizes) {
                double plain = median(size, Mode.PLAIN_UDP, rxGroup, txGroup);
                print(Mode.PLAIN_UDP, size, plain, plain);
                print(Mode.UDP_TUNNEL, size, median(size, Mode.UDP_TUNNEL, rxGroup, txGroup), plain);
                print(Mode.RAW_L2, size, median(size, Mode.RAW_L2, rxGroup, txGroup), plain);
            }
            return 0;
        } finally {
            txGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            rxGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            veth.close();
        }
    }

    private double median(int size, Mode mode, EventLoopGroup rx, EventLoopGroup tx) throws Exception {
        double[] runs = new double[repeat];
        for (int i = 0; i < repeat; i++) {
            runs[i] = runCase(mode, size, rx, tx);
        }
        java.util.Arrays.sort(runs);
        return runs[repeat / 2];
    }

    private static void print(Mode mode, int size, double fps, double plain) {
        System.out.printf("%-26s %8d %14s %12.1f %9.0f%%%n", mode.label, size, String.format("%,.0f", fps),
                fps * size * 8 / 1e6, 100 * fps / plain);
    }

    enum Mode {
        PLAIN_UDP("plain Netty UDP (baseline)"),
        UDP_TUNNEL("UDP tunnel + PacketFS"),
        RAW_L2("raw L2 0x1337 + PacketFS");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    /** Runs one case: receiver in B, sender in A; returns frames/s counted at the receiver. */
    private double runCase(Mode mode, int size, EventLoopGroup rxGroup, EventLoopGroup txGroup) throws Exception {
        AtomicLong received = new AtomicLong();
        PacketFsConfig config = PacketFsConfig.builder().maxFrameLength(Math.max(size, 32)).build();
        Channel rx = openReceiver(mode, config, rxGroup, received);
        Channel tx = openSender(mode, config, txGroup);
        try {
            Sender sender = new Sender(tx, mode, size);
            tx.eventLoop().execute(sender);
            Thread.sleep(1000); // warm-up, not measured
            long before = received.get();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long after = received.get();
            long t1 = System.nanoTime();
            sender.stop = true;
            return (after - before) / ((t1 - t0) / 1e9);
        } finally {
            tx.close().sync();
            rx.close().sync();
        }
    }

    private Channel openReceiver(Mode mode, PacketFsConfig config, EventLoopGroup group, AtomicLong received)
            throws Exception {
        switch (mode) {
            case PLAIN_UDP:
                return new Bootstrap().group(group)
                        .channelFactory(() -> PacketFsNetns.call(NS_B, EpollDatagramChannel::new))
                        .option(ChannelOption.SO_RCVBUF, PacketFsTransports.DEFAULT_RCVBUF)
                        .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048))
                        .handler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                received.incrementAndGet();
                                ReferenceCountUtil.release(msg);
                            }
                        }).bind(new InetSocketAddress(Veth.IP_B, UDP_PORT)).sync().channel();
            case UDP_TUNNEL:
                return PacketFsTransports.open(PacketFsEndpoint.parse("udp:" + Veth.IP_B + ":" + UDP_PORT
                        + ",netns=" + NS_B), PacketFsTransports.Role.LISTEN, group, codecCounter(config, received))
                        .sync().channel();
            default:
                return PacketFsTransports.open(PacketFsEndpoint.parse("l2:" + Veth.IF_B + ",netns=" + NS_B),
                        PacketFsTransports.Role.LISTEN, group, codecCounter(config, received)).sync().channel();
        }
    }

    private Channel openSender(Mode mode, PacketFsConfig config, EventLoopGroup group) throws Exception {
        ChannelInitializer<Channel> codec = new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                PacketFsPipelines.addCodec(ch.pipeline(), config);
            }
        };
        WriteBufferWaterMark marks = new WriteBufferWaterMark(256 * 1024, 512 * 1024);
        Channel ch;
        switch (mode) {
            case PLAIN_UDP:
                ch = new Bootstrap().group(group)
                        .channelFactory(() -> PacketFsNetns.call(NS_A, EpollDatagramChannel::new))
                        .option(ChannelOption.SO_SNDBUF, PacketFsTransports.DEFAULT_RCVBUF)
                        .handler(new ChannelInboundHandlerAdapter())
                        .bind(new InetSocketAddress(Veth.IP_A, 0)).sync().channel();
                break;
            case UDP_TUNNEL:
                ch = PacketFsTransports.open(PacketFsEndpoint.parse("udp:" + Veth.IP_B + ":" + UDP_PORT
                        + ",netns=" + NS_A), PacketFsTransports.Role.CONNECT, group, codec).sync().channel();
                break;
            default:
                ch = PacketFsTransports.open(PacketFsEndpoint.parse("l2:" + Veth.IF_A + ",netns=" + NS_A),
                        PacketFsTransports.Role.CONNECT, group, codec).sync().channel();
                break;
        }
        ch.config().setWriteBufferWaterMark(marks);
        return ch;
    }

    private static ChannelInitializer<Channel> codecCounter(PacketFsConfig config, AtomicLong received) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        received.incrementAndGet(); // one frame, counted below the codec
                        ctx.fireChannelRead(msg);
                    }
                });
                PacketFsPipelines.addCodec(ch.pipeline(), config);
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg); // decoded runs and SYNC units
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        // windows broken by loss under overload are expected here; the count is what matters
                    }
                });
            }
        };
    }

    /** Writes frames while the channel is writable, in batches, yielding to the event loop between batches. */
    private static final class Sender implements Runnable {
        private static final int BATCH = 32;
        private final Channel ch;
        private final Mode mode;
        private final int size;
        private final int[] refs;
        private final SplittableRandom random = new SplittableRandom(1);
        private final InetSocketAddress target = new InetSocketAddress(Veth.IP_B, UDP_PORT);
        volatile boolean stop;

        Sender(Channel ch, Mode mode, int size) {
            this.ch = ch;
            this.mode = mode;
            this.size = size;
            this.refs = new int[Math.max(1, (size - 8 - 2) / 4)]; // about one full frame per write
        }

        @Override
        public void run() {
            if (stop || !ch.isActive()) {
                return;
            }
            for (int i = 0; i < BATCH && ch.isWritable(); i++) {
                if (mode == Mode.PLAIN_UDP) {
                    ByteBuf payload = ch.alloc().directBuffer(size).writeZero(size);
                    ch.write(new DatagramPacket(payload, target), ch.voidPromise());
                } else {
                    for (int k = 0; k < refs.length; k++) {
                        refs[k] = random.nextInt();
                    }
                    // no flush per write: the encoder emits each frame when it is full, the batch is flushed once
                    ch.write(PacketFsRefs.pack(ch.alloc(), PacketFsTier.L3, refs, 0, refs.length),
                            ch.voidPromise());
                }
            }
            ch.flush();
            if (ch.isWritable()) {
                ch.eventLoop().execute(this);
            } else {
                ch.eventLoop().schedule(this, 50, TimeUnit.MICROSECONDS);
            }
        }
    }

    /** Two namespaces joined by a veth pair, with addresses for UDP. */
    static final class Veth implements AutoCloseable {
        static final String IF_A = "pfsba";
        static final String IF_B = "pfsbb";
        static final String IP_A = "10.78.0.1";
        static final String IP_B = "10.78.0.2";

        static Veth create() throws IOException, InterruptedException {
            cleanup();
            Veth v = new Veth();
            try {
                ip("netns", "add", NS_A);
                ip("netns", "add", NS_B);
                ip("link", "add", IF_A, "netns", NS_A, "type", "veth", "peer", "name", IF_B, "netns", NS_B);
                ip("-n", NS_A, "addr", "add", IP_A + "/24", "dev", IF_A);
                ip("-n", NS_B, "addr", "add", IP_B + "/24", "dev", IF_B);
                ip("-n", NS_A, "link", "set", IF_A, "up");
                ip("-n", NS_B, "link", "set", IF_B, "up");
                ip("-n", NS_A, "link", "set", "lo", "up");
                ip("-n", NS_B, "link", "set", "lo", "up");
                return v;
            } catch (IOException | RuntimeException e) {
                cleanup();
                throw e;
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            cleanup();
        }

        private static void cleanup() throws IOException, InterruptedException {
            for (String ns : new String[] {NS_A, NS_B}) {
                new ProcessBuilder("ip", "netns", "del", ns).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            }
        }

        private static void ip(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>();
            cmd.add("ip");
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
            }
        }
    }
}
