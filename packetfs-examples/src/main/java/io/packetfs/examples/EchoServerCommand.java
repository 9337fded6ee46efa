package io.packetfs.examples;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsTransports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code ./packetfs echo-server}: sends every PacketFS frame it receives back to its sender. */
@Command(name = "echo-server", mixinStandardHelpOptions = true,
        description = {"Echoes every PacketFS frame it receives back to its sender, unchanged.",
                "Frames that are not PacketFS (wrong version or length) are counted and dropped."})
final class EchoServerCommand implements Callable<Integer> {

    @Mixin
    TransportOptions transport;

    @Mixin
    MetricsOptions metricsOptions;

    @Option(names = "--count", defaultValue = "0",
            description = "Exit after echoing N frames (default ${DEFAULT-VALUE}: run until stopped).")
    long count;

    /** Completes once the server listens (tests wait on it instead of sleeping). */
    final java.util.concurrent.CompletableFuture<Void> ready = new java.util.concurrent.CompletableFuture<>();

    @Override
    @SuppressWarnings("try") // the resource is the metrics server, open while the command runs
    public Integer call() throws Exception {
        try (CliMetrics metrics = metricsOptions.start()) {
            return serve();
        }
    }

    private Integer serve() throws Exception {
        PacketFsEndpoint endpoint = transport.endpoint();
        EventLoopGroup group = PacketFsTransports.newEventLoopGroup(1);
        try {
            Echo echo = new Echo(count);
            Channel ch = PacketFsTransports.open(endpoint, PacketFsTransports.Role.LISTEN, group,
                    CliMetrics.withWireMeter(echo),
                    PacketFsTransports.MAX_UDP_FRAME)
                    .sync().channel();
            System.out.println("echo-server: listening on " + endpoint + (count > 0 ? ", exits after " + count
                    + " frames" : ", Ctrl-C to stop"));
            ready.complete(null);
            ch.closeFuture().sync();
            System.out.println(echo.summary());
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    /** Writes each frame back; flushes once per read burst. */
    static final class Echo extends ChannelInboundHandlerAdapter {
        private final long limit;
        private long echoed;
        private long dropped;

        Echo(long limit) {
            this.limit = limit;
        }

        @Override
        public boolean isSharable() {
            return false;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf) || !looksLikePacketFs((ByteBuf) msg)) {
                dropped++;
                io.netty.util.ReferenceCountUtil.release(msg);
                return;
            }
            echoed++;
            ctx.write(msg, ctx.voidPromise());
            if (limit > 0 && echoed >= limit) {
                ctx.flush();
                ctx.close();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        private static boolean looksLikePacketFs(ByteBuf frame) {
            int r = frame.readerIndex();
            return frame.readableBytes() >= 8 && frame.getUnsignedByte(r) >>> 4 == 1
                    && frame.getUnsignedShort(r + 2) >= 8 && frame.getUnsignedShort(r + 2) <= frame.readableBytes();
        }

        String summary() {
            return "echo-server: echoed " + echoed + " frames, dropped " + dropped + " that were not PacketFS";
        }
    }
}
