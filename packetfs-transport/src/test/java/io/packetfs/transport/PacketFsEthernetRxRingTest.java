package io.packetfs.transport;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.packetfs.codec.PacketFsMetricNames;
import io.packetfs.metrics.PacketFsMetrics;
import io.packetfs.metrics.PacketFsMetricsHandler;
import io.packetfs.transport.PacketFsEthernetRecorder.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.packetfs.transport.PacketFsEthernetRecorder.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The raw channel's two receive paths, PACKET_MMAP RX ring (the default) and one {@code recv} per frame (the fallback,
 * {@link PacketFsEthernetChannelConfig#PACKET_MMAP} off), across a veth pair between two namespaces that the test
 * creates and removes. Waits are bounded and end as soon as what is expected is there. Skips, saying why, off Linux or
 * without root.
 */
class PacketFsEthernetRxRingTest extends VethEthernetTestBase {

    private PacketFsEthernetChannel open(String interfaceName, String netns, boolean packetMmap, boolean autoRead,
                                         ChannelInboundHandlerAdapter handler) throws InterruptedException {
        Channel ch = new Bootstrap().group(group)
                .channelFactory(() -> new PacketFsEthernetChannel(interfaceName, PacketFsMacAddress.BROADCAST, netns))
                .option(PacketFsEthernetChannelConfig.PACKET_MMAP, packetMmap)
                .option(ChannelOption.AUTO_READ, autoRead)
                .handler(handler)
                .register().sync().channel();
        opened.add(ch);
        return (PacketFsEthernetChannel) ch;
    }

    private PacketFsEthernetChannel openA(boolean packetMmap) throws InterruptedException {
        return open(veth.interfaceA(), veth.netnsA(), packetMmap, true, new PacketFsEthernetRecorder());
    }

    private PacketFsEthernetChannel openB(boolean packetMmap, boolean autoRead, ChannelInboundHandlerAdapter handler)
            throws InterruptedException {
        return open(veth.interfaceB(), veth.netnsB(), packetMmap, autoRead, handler);
    }

    @Test
    void aDefaultChannelReceivesThroughAnRxRingOfAFewMegabytes() throws Exception {
        PacketFsEthernetChannel ch = new PacketFsEthernetChannel(veth.interfaceB(), PacketFsMacAddress.BROADCAST,
                veth.netnsB());
        opened.add(ch);
        assertFalse(ch.isRxRing(), "the ring is set up when the channel registers");
        assertEquals(0, ch.rxRingFrames());
        group.register(ch).syncUninterruptibly();
        assertTrue(ch.isRxRing());
        assertTrue(ch.isTxRing());
        // 4 MiB of 1,584-byte slots in 64 KiB blocks at MTU 1500.
        assertEquals(64 * (64 * 1024 / 1584), ch.rxRingFrames());
    }

    /**
     * More frames than the RX ring has slots, sent while the receiver does not read (autoRead off from the start):
     * the kernel keeps the first ones, one per slot, and counts the rest as drops; once reading, the kept frames come
     * out intact and in order, and reception goes on normally after them.
     */
    @Test
    void aBurstLargerThanTheRingKeepsWhatFitsInOrderAndCountsTheRestAsDrops() throws Exception {
        int size = 300;
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(true);
        PacketFsEthernetChannel b = openB(true, false, atB);
        assertTrue(b.isRxRing());
        int slots = b.rxRingFrames();
        int frames = slots + 700;
        ChannelFuture last = null;
        for (int seq = 0; seq < frames; seq++) {
            last = a.write(numbered(seq, size));
            if (seq % 100 == 99) {
                a.flush();
                last.sync();
            }
        }
        a.flush();
        last.sync();
        awaitTrue(() -> b.kernelPackets() >= frames, () -> "not all frames reached b: " + b.kernelPackets());
        assertEquals(0, atB.count());
        assertEquals(frames, b.kernelPackets());
        long drops = b.kernelDrops();
        int kept = (int) (frames - drops);
        assertEquals(slots, kept, "frames kept by the kernel");
        // the channel binds its kernel drops to packetfs_drops_total{source="kernel"}
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PacketFsMetricsHandler meters = new PacketFsMetrics(registry).newHandler();
        b.eventLoop().submit(() -> {
            b.pipeline().addFirst(meters);
            meters.publish();
        }).sync();
        assertEquals(drops, registry.get(PacketFsMetricNames.DROPS).tag("source", "kernel").counter().count());

        b.config().setAutoRead(true);
        List<Received> received = atB.awaitFrames(kept, b);
        for (int i = 0; i < kept; i++) {
            Received r = received.get(i);
            assertEquals(i, ByteBuffer.wrap(r.payload).getInt(0), "frame at position " + i);
            assertArrayEquals(numberedBytes(i, size), r.payload, "payload of frame " + i);
            assertEquals(a.interfaceMac(), r.source);
        }
        // The ring works on after being full: a marker comes right behind the kept frames.
        a.writeAndFlush(ascii("after the burst")).sync();
        received = atB.awaitFrames(kept + 1, b);
        assertEquals(kept + 1, received.size());
        assertEquals("after the burst", received.get(kept).text());
        assertEquals(drops, b.kernelDrops());
        assertEquals(kept + 1, b.framesReceived());
        assertEquals(0, b.invalidFrames());
        assertEquals(0, b.framesIgnored());
    }

    @ParameterizedTest(name = "PACKET_MMAP={0}")
    @ValueSource(booleans = {true, false})
    void framesOfEverySizeUpToTheMtuArriveIntact(boolean packetMmap) throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(packetMmap);
        PacketFsEthernetChannel b = openB(packetMmap, true, atB);
        b.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(64));
        assertEquals(packetMmap, b.isRxRing());
        assertEquals(1500, b.mtu());
        Random random = new Random(11);
        int[] sizes = {1, 2, 45, 46, 47, 62, 64, 1000, 1398, 1499, b.mtu(), b.mtu(), b.mtu()};
        List<byte[]> sent = new ArrayList<>();
        for (int size : sizes) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            sent.add(payload);
            a.write(new PacketFsEthernetFrame(b.interfaceMac(), Unpooled.wrappedBuffer(payload)));
        }
        a.flush();
        List<Received> frames = atB.awaitFrames(sizes.length, b);
        for (int i = 0; i < sizes.length; i++) {
            assertArrayEquals(sent.get(i), frames.get(i).payload, "payload of " + sizes[i] + " bytes");
            assertEquals(b.interfaceMac(), frames.get(i).destination);
            assertEquals(a.interfaceMac(), frames.get(i).source);
        }
        assertEquals(0, b.invalidFrames());
        assertEquals(0, b.kernelDrops());
    }

    @ParameterizedTest(name = "PACKET_MMAP={0}")
    @ValueSource(booleans = {true, false})
    void framesForOtherStationsAreIgnoredAndCounted(boolean packetMmap) throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(true);
        PacketFsEthernetChannel b = openB(packetMmap, true, atB);
        assertEquals(packetMmap, b.isRxRing());
        PacketFsMacAddress joined = PacketFsMacAddress.parse("03:00:00:00:13:38");
        b.joinGroup(joined);
        a.write(new PacketFsEthernetFrame(PacketFsMacAddress.parse("02:00:00:00:00:99"), ascii("other station")));
        a.write(new PacketFsEthernetFrame(joined, ascii("joined group")));
        a.write(new PacketFsEthernetFrame(PacketFsMacAddress.parse("03:00:00:00:13:37"), ascii("group not joined")));
        a.write(new PacketFsEthernetFrame(b.interfaceMac(), ascii("unicast")));
        a.writeAndFlush(ascii("broadcast")).sync();
        // The last one travels behind the others on the same wire, so once it is in they were all handled.
        List<Received> frames = atB.awaitFrames(3, b);
        assertEquals(List.of("joined group", "unicast", "broadcast"),
                List.of(frames.get(0).text(), frames.get(1).text(), frames.get(2).text()));
        assertEquals(joined, frames.get(0).destination);
        assertEquals(b.interfaceMac(), frames.get(1).destination);
        assertEquals(PacketFsMacAddress.BROADCAST, frames.get(2).destination);
        assertEquals(2, b.framesIgnored());
        assertEquals(3, b.framesReceived());
        assertEquals(0, b.invalidFrames());
    }

    /** A small message limit per read: the ring path stops after it and goes on at the next wake-up. */
    @ParameterizedTest(name = "PACKET_MMAP={0}")
    @ValueSource(booleans = {true, false})
    void aSmallMessageLimitPerReadStillDeliversEverything(boolean packetMmap) throws Exception {
        int frames = 500;
        PacketFsEthernetRecorder recorder = new PacketFsEthernetRecorder();
        ReadCounter reads = new ReadCounter(recorder);
        PacketFsEthernetChannel a = openA(true);
        PacketFsEthernetChannel b = openB(packetMmap, false, reads);
        b.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(64).maxMessagesPerRead(4));
        for (int seq = 0; seq < frames; seq++) {
            a.write(numbered(seq, 100));
        }
        a.flush();
        awaitTrue(() -> b.kernelPackets() >= frames, () -> "not all frames reached b: " + b.kernelPackets());
        b.config().setAutoRead(true);
        List<Received> received = recorder.awaitFrames(frames, b);
        for (int i = 0; i < frames; i++) {
            assertArrayEquals(numberedBytes(i, 100), received.get(i).payload, "frame " + i);
        }
        assertThat(reads.maxPerReadComplete()).isBetween(1, 4);
    }

    /** A handler that closes the channel while ring slots are still waiting: the loop stops, nothing else runs. */
    @Test
    void closingFromAHandlerStopsTheRingLoop() throws Exception {
        PacketFsEthernetRecorder recorder = new PacketFsEthernetRecorder();
        ChannelInboundHandlerAdapter closer = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                recorder.channelRead(ctx, msg);
                ctx.channel().close();
            }
        };
        PacketFsEthernetChannel a = openA(true);
        PacketFsEthernetChannel b = openB(true, false, closer);
        assertTrue(b.isRxRing());
        ChannelFuture last = null;
        for (int seq = 0; seq < 50; seq++) {
            last = a.write(numbered(seq, 100));
        }
        a.flush();
        last.sync();
        awaitTrue(() -> b.kernelPackets() >= 50, () -> "not all frames reached b: " + b.kernelPackets());
        b.config().setAutoRead(true);
        b.closeFuture().await(10, TimeUnit.SECONDS);
        assertFalse(b.isOpen());
        assertFalse(b.isRxRing());
        assertEquals(1, recorder.count());
        assertEquals(0, ByteBuffer.wrap(recorder.frames().get(0).payload).getInt(0));
    }

    /** Both ends on the fallback paths, and one end on each: the paths interoperate. */
    @ParameterizedTest(name = "sender PACKET_MMAP={0}")
    @ValueSource(booleans = {true, false})
    void theRecvFallbackReceivesFromEitherSender(boolean senderMmap) throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(senderMmap);
        PacketFsEthernetChannel b = openB(false, true, atB);
        assertFalse(b.isRxRing());
        assertFalse(b.isTxRing());
        assertEquals(0, b.rxRingFrames());
        int frames = 1_000;
        for (int seq = 0; seq < frames; seq++) {
            a.write(numbered(seq, 1_000));
        }
        a.flush();
        List<Received> received = atB.awaitFrames(frames, b);
        for (int i = 0; i < frames; i++) {
            assertArrayEquals(numberedBytes(i, 1_000), received.get(i).payload, "frame " + i);
        }
        assertThat(b.kernelPackets()).isGreaterThanOrEqualTo(frames);
        assertEquals(0, b.kernelDrops());
    }

    /** Counts frames between readComplete events, and passes them on. */
    private static final class ReadCounter extends ChannelInboundHandlerAdapter {
        private final PacketFsEthernetRecorder next;
        private final AtomicInteger inRead = new AtomicInteger();
        private final AtomicInteger max = new AtomicInteger();

        ReadCounter(PacketFsEthernetRecorder next) {
            this.next = next;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            int n = inRead.incrementAndGet();
            max.accumulateAndGet(n, Math::max);
            next.channelRead(ctx, msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            inRead.set(0);
        }

        int maxPerReadComplete() {
            return max.get();
        }
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    private static ByteBuf numbered(int seq, int size) {
        return Unpooled.wrappedBuffer(numberedBytes(seq, size));
    }

    private static byte[] numberedBytes(int seq, int size) {
        byte[] payload = new byte[size];
        ByteBuffer.wrap(payload).putInt(seq);
        for (int i = 4; i < size; i++) {
            payload[i] = (byte) (seq * 31 + i);
        }
        return payload;
    }
}
