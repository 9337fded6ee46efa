package io.packetfs.examples;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsTransports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./packetfs relay --from T --to T}: forwards PacketFS frames both ways between two transports (UDP and L2 in
 * any combination). {@code --from} is the side that listens for clients; {@code --to} is where frames are sent on.
 */
@Command(name = "relay", mixinStandardHelpOptions = true,
        description = {"Forwards PacketFS frames both ways between two transports (UDP <-> UDP, L2 <-> UDP, L2 <-> L2).",
                "TRANSPORT is udp:HOST:PORT[,iface=NAME] or l2:IFACE[,peer=MAC][,netns=NAME].",
                "--from listens (replies go to the last sender); --to sends to HOST:PORT or the peer MAC."})
final class RelayCommand implements Callable<Integer> {

    @Option(names = "--from", required = true, paramLabel = "TRANSPORT", description = "The side clients talk to.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "TRANSPORT", description = "Where frames are forwarded.")
    String to;

    @Option(names = "--count", defaultValue = "0",
            description = "Exit after forwarding N frames in total (default ${DEFAULT-VALUE}: run until stopped).")
    long count;

    /** Completes once both sides are open (tests wait on it instead of sleeping). */
    final java.util.concurrent.CompletableFuture<Void> ready = new java.util.concurrent.CompletableFuture<>();

    @Override
    public Integer call() throws Exception {
        PacketFsEndpoint a = PacketFsEndpoint.parse(from);
        PacketFsEndpoint b = PacketFsEndpoint.parse(to);
        EventLoopGroup group = PacketFsTransports.newEventLoopGroup(1);
        try {
            Forward aToB = new Forward("->");
            Forward bToA = new Forward("<-");
            aToB.peer = bToA;
            bToA.peer = aToB;
            aToB.limit = count;
            bToA.limit = count;
            // the side that is sent to opens first, so nothing a client sends is dropped for want of a target
            Channel cb = PacketFsTransports.open(b, PacketFsTransports.Role.CONNECT, group, bToA,
                    PacketFsTransports.MAX_UDP_FRAME).sync().channel();
            aToB.target = cb;
            Channel ca = PacketFsTransports.open(a, PacketFsTransports.Role.LISTEN, group, aToB,
                    PacketFsTransports.MAX_UDP_FRAME).sync().channel();
            bToA.target = ca;
            // either side closing ends the relay
            ca.closeFuture().addListener(f -> cb.close());
            cb.closeFuture().addListener(f -> ca.close());
            System.out.println("relay: " + a + " <-> " + b + (count > 0 ? ", exits after " + count + " frames"
                    : ", Ctrl-C to stop"));
            ready.complete(null);
            ca.closeFuture().sync();
            cb.close().sync();
            System.out.printf("relay: forwarded %d frames %s %s, %d frames %s %s%n", aToB.forwarded, a, "->", bToA
                    .forwarded, "<-", b);
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Writes every frame read on one channel to the other. */
    static final class Forward extends ChannelInboundHandlerAdapter {
        private final String direction;
        volatile Channel target;
        Forward peer;
        long limit;
        volatile long forwarded;

        Forward(String direction) {
            this.direction = direction;
        }

        @Override
        public boolean isSharable() {
            return false;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel t = target;
            if (t == null || !t.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            forwarded++;
            t.write(msg, t.voidPromise());
            if (limit > 0 && forwarded + peer.forwarded >= limit) {
                t.flush();
                ctx.close();
                t.close();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Channel t = target;
            if (t != null) {
                t.flush();
            }
        }

        @Override
        public String toString() {
            return "Forward" + direction;
        }
    }
}
