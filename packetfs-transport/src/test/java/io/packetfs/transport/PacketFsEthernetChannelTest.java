package io.packetfs.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.nio.NioIoHandler;
import io.packetfs.transport.PacketFsEthernetRecorder.Received;
import io.packetfs.transport.internal.PacketFsEthernetConstants;
import io.packetfs.transport.internal.PacketFsPacketSocket;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.packetfs.transport.PacketFsEthernetRecorder.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The raw channel between two network namespaces joined by a veth pair that the test creates and removes. Skips,
 * saying why, off Linux or without root; CI runs it as root on Linux, where it must run.
 */
class PacketFsEthernetChannelTest extends VethEthernetTestBase {

    private PacketFsEthernetChannel openA(PacketFsEthernetRecorder recorder) {
        return open(veth.interfaceA(), veth.netnsA(), recorder);
    }

    private PacketFsEthernetChannel openB(PacketFsEthernetRecorder recorder) {
        return open(veth.interfaceB(), veth.netnsB(), recorder);
    }

    private PacketFsEthernetChannel open(String interfaceName, String netns, PacketFsEthernetRecorder recorder) {
        PacketFsEthernetChannel ch = new PacketFsEthernetChannel(interfaceName, PacketFsMacAddress.BROADCAST, netns);
        ch.pipeline().addLast(recorder);
        group.register(ch).syncUninterruptibly();
        opened.add(ch);
        assertTrue(ch.isOpen() && ch.isActive() && ch.isRegistered());
        return ch;
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    @Test
    void framesCrossWithEtherType0x1337() throws Exception {
        PacketFsEthernetRecorder atA = new PacketFsEthernetRecorder();
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(atA);
        PacketFsEthernetChannel b = openB(atB);
        try (WireTap tap = WireTap.open(veth.interfaceB(), veth.netnsB())) {
            ChannelFuture broadcast = a.writeAndFlush(ascii("hello, segment"));
            ChannelFuture unicast = a.writeAndFlush(new PacketFsEthernetFrame(b.interfaceMac(), ascii("hello, b")));

            List<Received> frames = atB.awaitFrames(2, b);
            assertTrue(broadcast.sync().isSuccess() && unicast.sync().isSuccess());
            assertEquals(PacketFsMacAddress.BROADCAST, frames.get(0).destination);
            assertEquals(a.interfaceMac(), frames.get(0).source);
            assertEquals("hello, segment", frames.get(0).text());
            assertEquals(b.interfaceMac(), frames.get(1).destination);
            assertEquals(a.interfaceMac(), frames.get(1).source);
            assertEquals("hello, b", frames.get(1).text());

            // On the wire: destination, source, EtherType 0x1337, payload (veth does not pad).
            byte[] wire = tap.await(frame -> frame.length > 14 && new String(frame, 14, frame.length - 14,
                    StandardCharsets.US_ASCII).equals("hello, segment"));
            assertArrayEquals(PacketFsMacAddress.BROADCAST.toByteArray(), Arrays.copyOfRange(wire, 0, 6));
            assertArrayEquals(a.interfaceMac().toByteArray(), Arrays.copyOfRange(wire, 6, 12));
            assertEquals(0x13, wire[12]);
            assertEquals(0x37, wire[13]);
            assertEquals(14 + "hello, segment".length(), wire.length);
        }
        // The sender never receives its own frames, and nothing else arrived.
        assertEquals(0, atA.count());
        assertEquals(0, a.framesReceived());
        assertEquals(2, a.framesSent());
        assertEquals(2, b.framesReceived());
        assertThat(atB.errors()).isEmpty();
        assertThat(atB.others()).isEmpty();
    }

    @Test
    void framesOfTheFullMtuArriveWholeEvenWithATinyReceiveAllocator() throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(new PacketFsEthernetRecorder());
        PacketFsEthernetChannel b = openB(atB);
        b.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(64));
        assertEquals(1500, a.mtu());

        Random random = new Random(42);
        int[] sizes = {1, 45, 46, 64, 1499, a.mtu()};
        List<byte[]> sent = new ArrayList<>();
        for (int size : sizes) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            sent.add(payload);
            a.write(Unpooled.wrappedBuffer(payload));
        }
        a.flush();
        List<Received> frames = atB.awaitFrames(sizes.length, b);
        for (int i = 0; i < sizes.length; i++) {
            assertArrayEquals(sent.get(i), frames.get(i).payload, "payload of " + sizes[i] + " bytes");
        }
        assertEquals(0, b.invalidFrames());
    }

    @Test
    void jumboFramesArriveWhole() throws Exception {
        veth.setMtu(9000);
        try {
            PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
            PacketFsEthernetChannel a = openA(new PacketFsEthernetRecorder());
            PacketFsEthernetChannel b = openB(atB);
            assertEquals(9000, a.mtu());
            assertEquals(9000, b.mtu());
            byte[] payload = new byte[9000];
            new Random(7).nextBytes(payload);
            a.writeAndFlush(Unpooled.wrappedBuffer(payload)).sync();
            assertArrayEquals(payload, atB.awaitFrames(1, b).get(0).payload);
            closeChannels();
        } finally {
            veth.setMtu(1500);
        }
    }

    @Test
    void oversizeEmptyAndForeignMessagesAreRefused() throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(new PacketFsEthernetRecorder());
        PacketFsEthernetChannel b = openB(atB);

        ByteBuf oversize = a.alloc().buffer(a.mtu() + 1).writeZero(a.mtu() + 1);
        ChannelFuture f = a.writeAndFlush(oversize).await();
        assertFalse(f.isSuccess());
        assertThat(f.cause()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("payload of 1501 bytes exceeds the MTU of " + veth.interfaceA()
                        + " (1500 bytes)");
        assertEquals(0, oversize.refCnt());

        ByteBuf oversizeFramePayload = a.alloc().directBuffer(4000).writeZero(4000);
        f = a.writeAndFlush(new PacketFsEthernetFrame(b.interfaceMac(), oversizeFramePayload)).await();
        assertThat(f.cause()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds the MTU");
        assertEquals(0, oversizeFramePayload.refCnt());

        ByteBuf empty = a.alloc().buffer(16);
        f = a.writeAndFlush(empty).await();
        assertThat(f.cause()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty payload");
        assertEquals(0, empty.refCnt());

        ByteBuf consumed = ascii("xyz");
        consumed.skipBytes(3);
        f = a.writeAndFlush(new PacketFsEthernetFrame(b.interfaceMac(), consumed)).await();
        assertThat(f.cause()).hasMessageContaining("empty payload");
        assertEquals(0, consumed.refCnt());

        f = a.writeAndFlush("not a frame").await();
        assertThat(f.cause()).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("unsupported message type: String")
                .hasMessageContaining("PacketFsEthernetFrame");

        // The channel goes on.
        ByteBuf ok = ascii("still fine");
        a.writeAndFlush(ok).sync();
        assertEquals(0, ok.refCnt());
        assertEquals("still fine", atB.awaitFrames(1, b).get(0).text());
        assertEquals(1, a.framesSent());
        assertEquals(0, a.sendErrors());
    }

    @Test
    void closeAndReopenWork() throws Exception {
        for (int round = 0; round < 3; round++) {
            PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
            PacketFsEthernetChannel a = openA(new PacketFsEthernetRecorder());
            PacketFsEthernetChannel b = openB(atB);
            a.writeAndFlush(ascii("round " + round)).sync();
            assertEquals("round " + round, atB.awaitFrames(1, b).get(0).text());

            a.close().sync();
            b.close().sync();
            for (PacketFsEthernetChannel ch : List.of(a, b)) {
                assertFalse(ch.isOpen());
                assertFalse(ch.isActive());
                assertTrue(ch.closeFuture().isDone());
            }
            awaitTrue(() -> !a.isRegistered() && !b.isRegistered(), () -> "channels still registered after close");
            ByteBuf late = ascii("too late");
            ChannelFuture f = a.writeAndFlush(late).await();
            assertThat(f.cause()).isInstanceOf(ClosedChannelException.class);
            assertEquals(0, late.refCnt());
            // Kernel counters survive the close (read one last time before the socket went away).
            assertThat(b.kernelPackets()).isGreaterThanOrEqualTo(1);
            assertEquals(0, b.kernelDrops());
            opened.clear();
        }
    }

    @Test
    void aBurstAtAPacedRateArrivesComplete() throws Exception {
        int frames = 5_000;
        int window = 250;
        int size = 1_000;
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(new PacketFsEthernetRecorder());
        PacketFsEthernetChannel b = openB(atB);

        // Paced by the receiver: at most one window in flight, so no buffer on the way can overflow.
        for (int seq = 0; seq < frames; ) {
            int end = Math.min(frames, seq + window);
            for (; seq < end; seq++) {
                a.write(numbered(seq, size));
            }
            a.flush();
            atB.awaitFrames(end, b);
        }

        List<Received> received = atB.frames();
        assertEquals(frames, received.size());
        BitSet seen = new BitSet(frames);
        for (Received r : received) {
            int seq = ByteBuffer.wrap(r.payload).getInt(0);
            assertFalse(seen.get(seq), "frame " + seq + " twice");
            seen.set(seq);
            assertArrayEquals(numberedBytes(seq, size), r.payload, "payload of frame " + seq);
        }
        assertEquals(frames, seen.cardinality());
        assertEquals(frames, a.framesSent());
        assertEquals(0, a.sendErrors());
        assertEquals(0, b.kernelDrops());
        assertThat(b.kernelPackets()).isGreaterThanOrEqualTo(frames);
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

    @Test
    void framesForAnotherStationAreIgnored() throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(new PacketFsEthernetRecorder());
        PacketFsEthernetChannel b = openB(atB);
        a.write(new PacketFsEthernetFrame(PacketFsMacAddress.parse("02:00:00:00:00:99"), ascii("not for b")));
        a.write(new PacketFsEthernetFrame(PacketFsMacAddress.parse("03:00:00:00:13:37"), ascii("group not joined")));
        a.writeAndFlush(ascii("marker")).sync();
        // The marker travels behind the other two on the same wire, so once it is in they were handled.
        assertEquals("marker", atB.awaitFrames(1, b).get(0).text());
        assertEquals(1, atB.count());
        assertEquals(2, b.framesIgnored());
    }

    @Test
    void withoutAutoReadFramesWaitForRead() throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(new PacketFsEthernetRecorder());
        PacketFsEthernetChannel b = new PacketFsEthernetChannel(veth.interfaceB(), PacketFsMacAddress.BROADCAST,
                veth.netnsB());
        b.config().setAutoRead(false);
        b.pipeline().addLast(atB);
        group.register(b).sync();
        opened.add(b);

        for (int i = 0; i < 3; i++) {
            a.write(ascii("queued " + i));
        }
        a.flush();
        awaitTrue(() -> b.kernelPackets() >= 3, () -> "3 frames not queued at b");
        assertEquals(0, atB.count());
        // As in Netty's other transports, without autoRead each read() delivers one message.
        for (int i = 0; i < 3; i++) {
            b.read();
            assertEquals("queued " + i, atB.awaitFrames(i + 1, b).get(i).text());
        }
        assertEquals(3, atB.count());
    }

    @Test
    void withoutAutoReadAReadIsNotUsedUpByADroppedFrame() throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(new PacketFsEthernetRecorder());
        PacketFsEthernetChannel b = new PacketFsEthernetChannel(veth.interfaceB(), PacketFsMacAddress.BROADCAST,
                veth.netnsB());
        b.config().setAutoRead(false);
        b.pipeline().addLast(atB);
        group.register(b).sync();
        opened.add(b);

        a.write(new PacketFsEthernetFrame(PacketFsMacAddress.parse("02:00:00:00:00:99"), ascii("not for b")));
        a.writeAndFlush(ascii("for everyone")).sync();
        awaitTrue(() -> b.kernelPackets() >= 2, () -> "2 frames not queued at b");
        b.read();
        assertEquals("for everyone", atB.awaitFrames(1, b).get(0).text());
        assertEquals(1, b.framesIgnored());
    }

    @Test
    void anInterfaceGoingDownIsReportedAndReceptionResumesWhenItComesBack() throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(new PacketFsEthernetRecorder());
        PacketFsEthernetChannel b = openB(atB);
        VethPair.ip("-n", veth.netnsB(), "link", "set", veth.interfaceB(), "down");
        try {
            awaitTrue(() -> !atB.errors().isEmpty(), () -> "no error reported for the interface going down");
            assertThat(atB.errors().get(0)).isInstanceOf(IOException.class)
                    .hasMessageContaining("interface " + veth.interfaceB() + " went down")
                    .hasMessageContaining("Network is down");
        } finally {
            VethPair.ip("-n", veth.netnsB(), "link", "set", veth.interfaceB(), "up");
        }
        assertTrue(b.isOpen());
        // The kernel re-attaches the socket when the interface comes back up; a sent frame may still be lost while
        // the link settles, so send until one arrives (bounded).
        awaitTrue(() -> {
            a.writeAndFlush(ascii("back"));
            return atB.count() > 0;
        }, () -> "nothing received after the interface came back up");
        assertEquals("back", atB.frames().get(0).text());
    }

    @Test
    void anInterfaceThatDisappearsClosesTheChannel() throws Exception {
        VethPair.ip("-n", veth.netnsA(), "link", "add", "pfs-x0", "type", "veth", "peer", "name", "pfs-x1");
        try {
            VethPair.ip("-n", veth.netnsA(), "link", "set", "pfs-x0", "up");
            PacketFsEthernetRecorder recorder = new PacketFsEthernetRecorder();
            PacketFsEthernetChannel x = open("pfs-x0", veth.netnsA(), recorder);
            VethPair.ip("-n", veth.netnsA(), "link", "delete", "pfs-x0");
            assertTrue(x.closeFuture().await(10, TimeUnit.SECONDS), "channel not closed after its interface went");
            assertThat(recorder.errors())
                    .anySatisfy(e -> assertThat(e).hasMessageContaining("interface pfs-x0 is gone"));
            assertFalse(x.isActive());
        } finally {
            VethPair.deleteLinkIfPresent(veth.netnsA(), "pfs-x0");
        }
    }

    @Test
    void optionsAddressesAndBootstrap() throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        Channel channel = new Bootstrap().group(group)
                .channelFactory(() -> new PacketFsEthernetChannel(veth.interfaceB(), PacketFsMacAddress.BROADCAST,
                        veth.netnsB()))
                .option(ChannelOption.SO_RCVBUF, 16 * 1024 * 1024)
                .option(ChannelOption.SO_SNDBUF, 1024 * 1024)
                .handler(atB)
                .register().sync().channel();
        opened.add(channel);
        PacketFsEthernetChannel b = (PacketFsEthernetChannel) channel;

        // Above rmem_max: applied with SO_RCVBUFFORCE (root); the kernel reports twice the size.
        assertThat(b.config().getOption(ChannelOption.SO_RCVBUF)).isGreaterThanOrEqualTo(16 * 1024 * 1024);
        assertThat(b.config().getOption(ChannelOption.SO_SNDBUF)).isGreaterThanOrEqualTo(1024 * 1024);
        assertThat(b.config().getOptions()).containsKeys(ChannelOption.SO_RCVBUF, ChannelOption.SO_SNDBUF);

        assertEquals(veth.interfaceB(), b.interfaceName());
        assertEquals(veth.netnsB(), b.netns());
        assertThat(b.ifindex()).isPositive();
        assertEquals(1500, b.mtu());
        assertEquals(b.interfaceMac(), b.localAddress().mac());
        assertEquals(veth.interfaceB(), b.localAddress().interfaceName());
        assertEquals(PacketFsMacAddress.BROADCAST, b.defaultPeer());
        assertEquals(PacketFsMacAddress.BROADCAST, b.remoteAddress().mac());
        assertFalse(b.interfaceMac().isGroup());

        assertTrue(b.bind(b.localAddress()).sync().isSuccess());
        assertThat(b.bind(new PacketFsEthernetChannel.EthernetAddress("other0", b.interfaceMac())).await().cause())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(b.connect(b.remoteAddress()).await().cause()).isInstanceOf(UnsupportedOperationException.class);
        assertTrue(b.isOpen());

        PacketFsEthernetChannel a = openA(new PacketFsEthernetRecorder());
        a.writeAndFlush(new PacketFsEthernetFrame(b.interfaceMac(), ascii("via bootstrap"))).sync();
        assertEquals("via bootstrap", atB.awaitFrames(1, b).get(0).text());
    }

    @Test
    void aNonEpollEventLoopIsRefused() {
        EventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        PacketFsEthernetChannel ch = new PacketFsEthernetChannel(veth.interfaceA(), PacketFsMacAddress.BROADCAST,
                veth.netnsA());
        try {
            ChannelFuture f = nio.register(ch).awaitUninterruptibly();
            assertThat(f.cause()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("incompatible event loop");
        } finally {
            ch.unsafe().closeForcibly();
            nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        assertFalse(ch.isOpen());
    }

    /** A raw socket for every protocol (ETH_P_ALL) that shows the bytes on the wire; polled, bounded wait. */
    static final class WireTap implements AutoCloseable {
        private final LinuxSocket socket;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(16 * 1024);

        private WireTap(LinuxSocket socket) {
            this.socket = socket;
        }

        static WireTap open(String interfaceName, String netns) {
            PacketFsPacketSocket raw = PacketFsNetns.call(netns, () -> PacketFsPacketSocket.open(interfaceName,
                    PacketFsEthernetConstants.ETH_P_ALL, netns));
            return new WireTap(LinuxSocket.newSocket(raw.fd()));
        }

        /** The first frame (whole, header included) that matches, waiting at most 10 s. */
        byte[] await(java.util.function.Predicate<byte[]> match) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + PacketFsEthernetRecorder.WAIT_NANOS;
            while (System.nanoTime() - deadline < 0) {
                int n = socket.recv(buffer, 0, buffer.capacity());
                if (n > 0) {
                    byte[] frame = new byte[n];
                    buffer.get(0, frame);
                    if (match.test(frame)) {
                        return frame;
                    }
                } else {
                    Thread.sleep(2);
                }
            }
            throw new AssertionError("no matching frame on the wire within 10 s");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
