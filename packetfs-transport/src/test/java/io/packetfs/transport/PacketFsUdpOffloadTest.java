package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Segmentation offload on the UDP tunnel (Linux epoll, loopback): frames written with a void promise between flushes
 * leave as UDP_SEGMENT sends and arrive, through UDP_GRO, as one frame per datagram again: every frame, in order,
 * byte for byte, padded by at most {@link PacketFsUdpAdapter#MAX_PADDING} zero bytes.
 */
class PacketFsUdpOffloadTest {

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
    void framesCrossInOrderAndIntactWhateverTheirSizes() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable() && io.netty.channel.epoll.SegmentedDatagramPacket.isSupported(),
                "UDP segmentation offload needs Linux with Netty's epoll transport");
        int count = 3000;
        Recorder recorder = new Recorder(count);
        Channel server = PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", 0),
                PacketFsTransports.Role.LISTEN, group, recorder, 1472).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        Channel client = PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", port),
                PacketFsTransports.Role.CONNECT, group, new ChannelInboundHandlerAdapter(), 1472).sync().channel();
        try {
            SplittableRandom random = new SplittableRandom(3);
            List<byte[]> sent = new ArrayList<>();
            for (int burst = 0, index = 0; index < count; burst++) {
                int n = Math.min(count - index, 1 + random.nextInt(100));
                int base = 1000 + random.nextInt(472);
                List<ByteBuf> frames = new ArrayList<>();
                for (int i = 0; i < n; i++, index++) {
                    // mostly one size, some a few bytes shorter (padded), a few much shorter (a batch ends)
                    int r = random.nextInt(20);
                    int size = r == 0 ? 8 + random.nextInt(200) : r < 5 ? base - random.nextInt(17) : base;
                    byte[] b = new byte[size];
                    random.nextBytes(b);
                    b[0] = (byte) (index >>> 8);
                    b[1] = (byte) index;
                    sent.add(b);
                    frames.add(client.alloc().directBuffer(size).writeBytes(b));
                }
                client.eventLoop().submit(() -> {
                    for (ByteBuf f : frames) {
                        client.write(f, client.voidPromise());
                    }
                    client.flush();
                }).sync();
                // loopback drops what its socket buffer cannot hold: one burst at a time
                assertTrue(recorder.awaitCount(sent.size(), 10, TimeUnit.SECONDS), "frames arrived: "
                        + recorder.received.size() + " of " + sent.size());
            }
            PacketFsUdpAdapter adapter = client.pipeline().get(PacketFsUdpAdapter.class);
            assertThat(adapter.segmentedSends()).as("segmented sends").isPositive();
            assertEquals(count, recorder.received.size());
            for (int i = 0; i < count; i++) {
                byte[] want = sent.get(i);
                byte[] got = recorder.received.get(i);
                assertThat(got.length).as("frame %d", i).isBetween(want.length,
                        want.length + PacketFsUdpAdapter.MAX_PADDING);
                for (int k = 0; k < want.length; k++) {
                    assertEquals(want[k], got[k], "frame " + i + " byte " + k);
                }
                for (int k = want.length; k < got.length; k++) {
                    assertEquals(0, got[k], "padding of frame " + i);
                }
            }
        } finally {
            client.close().sync();
            server.close().sync();
        }
    }

    static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<byte[]> received = new ArrayList<>();
        private final Object lock = new Object();

        Recorder(int expected) {
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            synchronized (lock) {
                received.add(bytes);
                lock.notifyAll();
            }
        }

        boolean awaitCount(int n, long time, TimeUnit unit) throws InterruptedException {
            long deadline = System.nanoTime() + unit.toNanos(time);
            synchronized (lock) {
                while (received.size() < n) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
            }
            return true;
        }
    }
}
