package io.packetfs.example;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.PacketFsCloseWindow;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsTier;
import io.packetfs.codec.reliability.PacketFsReliability;
import io.packetfs.codec.reliability.PacketFsReliabilityConfig;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsImpairment;
import io.packetfs.transport.PacketFsTransports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README's "reliable frames", compiled and run from a package of its own (public API only): references over UDP
 * loopback with reliable delivery, 5 % of the frames the receiver gets dropped on purpose; every reference arrives,
 * in order, and the repairs are counted. Counts are asserted, never time.
 */
class ReliableFramesExampleTest {

    private static final int REFS = 200_000;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void referencesArriveInOrderThroughLoss() throws Exception {
        PacketFsConfig config = PacketFsConfig.builder().windowPow2(12).maxFrameLength(1472).build();
        PacketFsReliabilityConfig reliable = PacketFsReliabilityConfig.DEFAULT;
        List<Integer> got = new ArrayList<>();
        CountDownLatch all = new CountDownLatch(1);
        EventLoopGroup group = PacketFsTransports.newEventLoopGroup(1);
        try {
            // receiver: drop 5 % of what arrives (a lossy path), then the reliable codec, then the application
            Channel rx = PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", 0), PacketFsTransports.Role.LISTEN,
                    group, new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new PacketFsImpairment(PacketFsImpairment.Settings.builder()
                                    .loss(0.05).seed(9).build()));
                            PacketFsPipelines.addReliableCodec(ch.pipeline(), config, reliable);
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    if (msg instanceof PacketFsRefs) {
                                        PacketFsRefs run = (PacketFsRefs) msg;
                                        for (int i = 0; i < run.count(); i++) {
                                            got.add(run.ref(i));
                                        }
                                        if (got.size() >= REFS) {
                                            all.countDown();
                                        }
                                    }
                                    ReferenceCountUtil.release(msg);
                                }
                            });
                        }
                    }, config.maxFrameLength()).sync().channel();
            int port = ((InetSocketAddress) rx.localAddress()).getPort();

            // sender: the reliable codec; write runs of references, as with the codec alone
            PacketFsReliability[] tx = new PacketFsReliability[1];
            Channel ch = PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", port),
                    PacketFsTransports.Role.CONNECT, group, new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            tx[0] = PacketFsPipelines.addReliableCodec(c.pipeline(), config, reliable);
                        }
                    }, config.maxFrameLength()).sync().channel();
            int[] refs = new int[REFS];
            for (int i = 0; i < REFS; i++) {
                refs[i] = i;
            }
            for (int at = 0; at < REFS; at += 10_000) {
                ch.write(PacketFsRefs.pack(ch.alloc(), PacketFsTier.L3, refs, at, 10_000));
            }
            ch.writeAndFlush(PacketFsCloseWindow.INSTANCE).sync();

            assertThat(all.await(50, TimeUnit.SECONDS)).as("every reference arrived").isTrue();
            ch.eventLoop().submit(() -> {
                assertThat(got).hasSize(REFS);
                for (int i = 0; i < REFS; i++) {
                    assertThat(got.get(i)).isEqualTo(i);
                }
                assertThat(tx[0].framesRetransmitted()).isPositive();
            }).sync();
            ch.close().sync();
            rx.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
