package io.packetfs.examples;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsImpairment;
import io.packetfs.transport.PacketFsTransports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./packetfs relay --from T --to T}: forwards PacketFS frames both ways between two transports (UDP and L2 in
 * any combination). {@code --from} is the side that listens for clients; {@code --to} is where frames are sent on.
 * With {@code --loss/--reorder/--duplicate/--corrupt/--delay} a seeded {@link PacketFsImpairment} sits between each
 * side's transport adapter and its forwarder and impairs the frames that side receives (so both directions).
 */
@Command(name = "relay", mixinStandardHelpOptions = true,
        description = {"Forwards PacketFS frames both ways between two transports (UDP <-> UDP, L2 <-> UDP, L2 <-> L2).",
                "TRANSPORT is udp:HOST:PORT[,iface=NAME] or l2:IFACE[,peer=MAC][,netns=NAME].",
                "--from listens (replies go to the last sender); --to sends to HOST:PORT or the peer MAC.",
                "--loss, --reorder, --duplicate, --corrupt (probabilities as fractions 0..1, e.g. 0.05 = 5%%) and "
                        + "--delay MS impair the frames received on each side, so both directions, reproducibly "
                        + "for a given --seed (no netem needed); the counters are printed when the relay ends."})
final class RelayCommand implements Callable<Integer> {

    @Option(names = "--from", required = true, paramLabel = "TRANSPORT", description = "The side clients talk to.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "TRANSPORT", description = "Where frames are forwarded.")
    String to;

    @Mixin
    MetricsOptions metricsOptions;

    @Option(names = "--count", defaultValue = "0",
            description = "Exit after forwarding N frames in total (default ${DEFAULT-VALUE}: run until stopped).")
    long count;

    @Option(names = "--loss", defaultValue = "0", paramLabel = "P",
            description = "Drop each frame with probability P, 0..1 (default ${DEFAULT-VALUE}).")
    double loss;

    @Option(names = "--reorder", defaultValue = "0", paramLabel = "P",
            description = "Hold each frame back behind the next one with probability P, 0..1 "
                    + "(default ${DEFAULT-VALUE}).")
    double reorder;

    @Option(names = "--duplicate", defaultValue = "0", paramLabel = "P",
            description = "Forward each frame twice with probability P, 0..1 (default ${DEFAULT-VALUE}).")
    double duplicate;

    @Option(names = "--corrupt", defaultValue = "0", paramLabel = "P",
            description = "Flip one random bit of each frame with probability P, 0..1 (default ${DEFAULT-VALUE}).")
    double corrupt;

    @Option(names = "--delay", defaultValue = "0", paramLabel = "MS",
            description = "Delay every frame by MS milliseconds (default ${DEFAULT-VALUE}).")
    long delayMillis;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of the impairments: same seed, same frames in, same impairments (default "
                    + "${DEFAULT-VALUE}).")
    long seed;

    private volatile Channel channelA;
    private volatile Channel channelB;

    /** Completes once both sides are open (tests wait on it instead of sleeping). */
    final java.util.concurrent.CompletableFuture<Void> ready = new java.util.concurrent.CompletableFuture<>();

    @Override
    @SuppressWarnings("try") // the resource is the metrics server, open while the command runs
    public Integer call() throws Exception {
        try (CliMetrics metrics = metricsOptions.start()) {
            return relay();
        }
    }

    private Integer relay() throws Exception {
        PacketFsEndpoint a = PacketFsEndpoint.parse(from);
        PacketFsEndpoint b = PacketFsEndpoint.parse(to);
        // each side impairs what it receives: --from side with the seed, --to side with seed + 1
        PacketFsImpairment.Settings.Builder impair = PacketFsImpairment.Settings.builder().loss(loss).reorder(reorder)
                .duplicate(duplicate).corrupt(corrupt).delayMillis(delayMillis)
                .direction(PacketFsImpairment.Direction.INBOUND);
        PacketFsImpairment.Settings settingsA = impair.seed(seed).build();
        PacketFsImpairment.Settings settingsB = impair.seed(seed + 1).build();
        PacketFsImpairment impairA = settingsA.isActive() ? new PacketFsImpairment(settingsA) : null;
        PacketFsImpairment impairB = settingsB.isActive() ? new PacketFsImpairment(settingsB) : null;
        EventLoopGroup group = PacketFsTransports.newEventLoopGroup(1);
        try {
            Forward aToB = new Forward("->");
            Forward bToA = new Forward("<-");
            aToB.peer = bToA;
            bToA.peer = aToB;
            aToB.limit = count;
            bToA.limit = count;
            // the side that is sent to opens first, so nothing a client sends is dropped for want of a target
            Channel cb = PacketFsTransports.open(b, PacketFsTransports.Role.CONNECT, group,
                    CliMetrics.withWireMeter(above(impairB, bToA)),
                    PacketFsTransports.MAX_UDP_FRAME).sync().channel();
            channelB = cb;
            aToB.target = cb;
            Channel ca = PacketFsTransports.open(a, PacketFsTransports.Role.LISTEN, group,
                    CliMetrics.withWireMeter(above(impairA, aToB)),
                    PacketFsTransports.MAX_UDP_FRAME).sync().channel();
            channelA = ca;
            bToA.target = ca;
            // either side closing ends the relay
            ca.closeFuture().addListener(f -> cb.close());
            cb.closeFuture().addListener(f -> ca.close());
            System.out.println("relay: " + a + " <-> " + b + (count > 0 ? ", exits after " + count + " frames"
                    : ", Ctrl-C to stop"));
            if (impairA != null) {
                System.out.println("relay: impairing frames received on each side: " + settingsA);
            }
            ready.complete(null);
            ca.closeFuture().sync();
            cb.close().sync();
            System.out.printf("relay: forwarded %d frames %s %s, %d frames %s %s%n", aToB.forwarded, a, "->", bToA
                    .forwarded, "<-", b);
            if (impairA != null) {
                System.out.println("relay: impairment " + a + " -> " + b + ": " + impairA.counters());
                System.out.println("relay: impairment " + a + " <- " + b + ": " + impairB.counters());
            }
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Stops the relay (as Ctrl-C would, but with the summary printed); for tests. */
    void stop() {
        Channel ca = channelA;
        Channel cb = channelB;
        if (cb != null) {
            cb.close();
        }
        if (ca != null) {
            ca.close();
        }
    }

    /** The handler for one side's pipeline: the impairment (if any) above the adapter, then the forwarder. */
    private static ChannelHandler above(PacketFsImpairment impairment, Forward forward) {
        if (impairment == null) {
            return forward;
        }
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("packetfs-impairment", impairment).addLast(forward);
            }
        };
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
