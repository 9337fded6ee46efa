package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
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
import io.packetfs.codec.PacketFsSync;
import io.packetfs.codec.PacketFsTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The UDP tunnel on loopback with the full codec pipeline on the client: references go out as frames, an echo
 * server sends each frame back to its sender, and the client decodes exactly what it sent, windows and CRCs valid.
 */
class PacketFsUdpTunnelTest {

    private static EventLoopGroup group;

    @BeforeAll
    static void setUp() {
        group = PacketFsTransports.newEventLoopGroup(2);
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void referencesRoundTripThroughTheFullCodecOverLoopback() throws Exception {
        Channel server = PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", 0),
                PacketFsTransports.Role.LISTEN, group, new Echo()).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();

        PacketFsConfig config = PacketFsConfig.builder().windowPow2(10).maxFrameLength(1400).build();
        Collector collector = new Collector();
        Channel client = PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", port),
                PacketFsTransports.Role.CONNECT, group, new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        PacketFsPipelines.addCodec(ch.pipeline(), config);
                        ch.pipeline().addLast(collector);
                    }
                }).sync().channel();

        Random random = new Random(5);
        List<Integer> sent = new ArrayList<>();
        int windows = 0;
        // 40 bursts of up to 600 refs; a flush after each keeps well below the socket buffers on loopback
        for (int burst = 0; burst < 40; burst++) {
            PacketFsTier tier = PacketFsTier.values()[random.nextInt(3)];
            int[] refs = new int[1 + random.nextInt(600)];
            for (int i = 0; i < refs.length; i++) {
                refs[i] = (int) (random.nextLong() & tier.maxRef());
                sent.add(refs[i]);
            }
            client.writeAndFlush(PacketFsRefs.pack(client.alloc(), tier, refs, 0, refs.length)).sync();
            collector.awaitRefs(sent.size());
        }
        client.writeAndFlush(PacketFsCloseWindow.INSTANCE).sync();
        windows = (sent.size() + 1023) / 1024;
        collector.awaitSyncs(windows);

        assertEquals(sent, collector.refs());
        assertThat(collector.errors).isEmpty();
        assertEquals(windows, collector.syncs.size());
        for (PacketFsSync s : collector.syncs) {
            assertEquals(PacketFsSync.CrcStatus.MATCH, s.status());
        }
        client.close().sync();
        server.close().sync();
    }

    @Test
    void aServerAnswersTheLastSender() throws Exception {
        Channel server = PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", 0),
                PacketFsTransports.Role.LISTEN, group, new Echo()).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        List<Channel> clients = new ArrayList<>();
        List<Collector> raw = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Collector c = new Collector();
            raw.add(c);
            clients.add(PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", port),
                    PacketFsTransports.Role.CONNECT, group, c).sync().channel());
        }
        for (int i = 0; i < 2; i++) {
            ByteBuf frame = clients.get(i).alloc().buffer().writeBytes(new byte[] {0x10, 0x10, 0, 8, 0, 0, 0,
                (byte) i});
            clients.get(i).writeAndFlush(frame).sync();
            raw.get(i).awaitFrames(1);
            assertEquals(i, raw.get(i).frameSequences.get(0), "each client gets its own frame back");
        }
        for (Channel c : clients) {
            c.close().sync();
        }
        server.close().sync();
    }

    @Test
    void aClientWithoutPeerSaysSo() {
        PacketFsUdpAdapter adapter = new PacketFsUdpAdapter(null);
        io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel(adapter);
        ByteBuf frame = ch.alloc().buffer().writeInt(1);
        io.netty.channel.ChannelFuture f = ch.writeOneOutbound(frame);
        assertThat(f.cause()).hasMessageContaining("no UDP peer");
        assertEquals(0, frame.refCnt());
        ch.finishAndReleaseAll();
    }

    /** Sends each frame back to its sender (through the adapter). */
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    /** Records decoded runs, SYNC units, raw frames and errors; thread-safe waits with generous bounds. */
    static final class Collector extends ChannelInboundHandlerAdapter {
        private final List<Integer> refs = Collections.synchronizedList(new ArrayList<>());
        final List<PacketFsSync> syncs = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> frameSequences = Collections.synchronizedList(new ArrayList<>());
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof PacketFsRefs) {
                    PacketFsRefs r = (PacketFsRefs) msg;
                    for (int i = 0; i < r.count(); i++) {
                        refs.add(r.ref(i));
                    }
                } else if (msg instanceof PacketFsSync) {
                    syncs.add((PacketFsSync) msg);
                } else if (msg instanceof ByteBuf) {
                    ByteBuf b = (ByteBuf) msg;
                    frameSequences.add(b.getInt(b.readerIndex() + 4));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
            synchronized (this) {
                notifyAll();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }

        List<Integer> refs() {
            synchronized (refs) {
                return new ArrayList<>(refs);
            }
        }

        void awaitRefs(int n) throws InterruptedException {
            await(() -> refs.size() >= n, "references " + n);
        }

        void awaitSyncs(int n) throws InterruptedException {
            await(() -> syncs.size() >= n, "SYNC units " + n);
        }

        void awaitFrames(int n) throws InterruptedException {
            await(() -> frameSequences.size() >= n, "frames " + n);
        }

        private synchronized void await(java.util.function.BooleanSupplier done, String what)
                throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!done.getAsBoolean() && System.nanoTime() < deadline) {
                wait(50);
            }
            assertTrue(done.getAsBoolean(), "did not receive " + what + " (errors: " + errors + ")");
        }
    }
}
