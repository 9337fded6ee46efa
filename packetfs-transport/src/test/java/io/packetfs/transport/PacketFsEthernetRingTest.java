package io.packetfs.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.packetfs.transport.PacketFsEthernetRecorder.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;

import static io.packetfs.transport.PacketFsEthernetRecorder.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The raw channel's two send paths, PACKET_MMAP TX ring (the default) and one {@code send} per frame (the fallback,
 * {@link PacketFsEthernetChannelConfig#PACKET_MMAP} off), across a veth pair between two namespaces. Skips, saying
 * why, off Linux or without root.
 */
class PacketFsEthernetRingTest extends VethEthernetTestBase {

    private PacketFsEthernetChannel open(String interfaceName, String netns, boolean packetMmap,
                                         PacketFsEthernetRecorder recorder) throws InterruptedException {
        Channel ch = new Bootstrap().group(group)
                .channelFactory(() -> new PacketFsEthernetChannel(interfaceName, PacketFsMacAddress.BROADCAST, netns))
                .option(PacketFsEthernetChannelConfig.PACKET_MMAP, packetMmap)
                .handler(recorder)
                .register().sync().channel();
        opened.add(ch);
        return (PacketFsEthernetChannel) ch;
    }

    private PacketFsEthernetChannel openA(boolean packetMmap) throws InterruptedException {
        return open(veth.interfaceA(), veth.netnsA(), packetMmap, new PacketFsEthernetRecorder());
    }

    private PacketFsEthernetChannel openB(boolean packetMmap, PacketFsEthernetRecorder recorder)
            throws InterruptedException {
        return open(veth.interfaceB(), veth.netnsB(), packetMmap, recorder);
    }

    @Test
    void aDefaultChannelSendsThroughATxRingAndBypassesTheQdisc() {
        PacketFsEthernetChannel ch = new PacketFsEthernetChannel(veth.interfaceA(), PacketFsMacAddress.BROADCAST,
                veth.netnsA());
        opened.add(ch);
        assertTrue(ch.config().isPacketMmap());
        assertTrue(ch.config().getOption(PacketFsEthernetChannelConfig.QDISC_BYPASS));
        assertFalse(ch.isTxRing(), "the ring is set up when the channel registers");
        group.register(ch).syncUninterruptibly();
        assertTrue(ch.isTxRing());
        assertThat(ch.config().getOptions()).containsEntry(PacketFsEthernetChannelConfig.PACKET_MMAP, true)
                .containsEntry(PacketFsEthernetChannelConfig.QDISC_BYPASS, true);
        assertThatThrownBy(() -> ch.config().setPacketMmap(false)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("when the channel registers");
    }

    @Test
    void withoutPacketMmapFramesTakeTheSendPath() throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(false);
        PacketFsEthernetChannel b = openB(false, atB);
        assertFalse(a.isTxRing());
        a.config().setQdiscBypass(false);
        assertFalse(a.config().isQdiscBypass());
        Random random = new Random(3);
        int[] sizes = {1, 46, 1000, a.mtu()};
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
            assertEquals(a.interfaceMac(), frames.get(i).source);
        }
        assertEquals(sizes.length, a.framesSent());
    }

    /**
     * More frames than the TX ring has slots, all queued at a receiver that does not read yet: every payload must
     * arrive intact, whatever the sender did with its slots meanwhile.
     */
    @ParameterizedTest(name = "sender PACKET_MMAP={0}")
    @ValueSource(booleans = {true, false})
    void framesStayIntactWhileTheReceiverLagsBehind(boolean packetMmap) throws Exception {
        int frames = 2_000;
        int size = 300;
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(packetMmap);
        PacketFsEthernetChannel b = openB(false, atB);
        b.config().setAutoRead(false);
        assertEquals(packetMmap, a.isTxRing());
        ChannelFuture last = null;
        for (int seq = 0; seq < frames; seq++) {
            last = a.write(numbered(seq, size));
            if (seq % 100 == 99) {
                a.flush();
            }
        }
        a.flush();
        last.sync();
        awaitTrue(() -> b.kernelPackets() >= frames, () -> "not all frames queued at b: " + b.kernelPackets());
        b.config().setAutoRead(true);
        atB.awaitFrames(frames, b);
        BitSet seen = new BitSet(frames);
        for (Received r : atB.frames()) {
            int seq = ByteBuffer.wrap(r.payload).getInt(0);
            assertFalse(seen.get(seq), "frame " + seq + " twice");
            seen.set(seq);
            assertArrayEquals(numberedBytes(seq, size), r.payload, "payload of frame " + seq);
        }
        assertEquals(frames, seen.cardinality());
        assertEquals(frames, a.framesSent());
        assertEquals(0, a.sendErrors());
        assertEquals(0, b.kernelDrops());
    }

    @ParameterizedTest(name = "PACKET_MMAP={0}")
    @ValueSource(booleans = {true, false})
    void aSendOnADownInterfaceFailsItsPromiseAndTheChannelGoesOn(boolean packetMmap) throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = openA(packetMmap);
        PacketFsEthernetChannel b = openB(packetMmap, atB);
        VethPair.ip("-n", veth.netnsA(), "link", "set", veth.interfaceA(), "down");
        try {
            ChannelFuture f = a.writeAndFlush(ascii("into the void")).await();
            assertThat(f.cause()).isInstanceOf(IOException.class).hasMessageContaining("sending a frame on "
                    + veth.interfaceA() + " failed");
            assertEquals(1, a.sendErrors());
            assertEquals(0, a.framesSent());
        } finally {
            VethPair.ip("-n", veth.netnsA(), "link", "set", veth.interfaceA(), "up");
        }
        assertTrue(a.isOpen());
        awaitTrue(() -> {
            a.writeAndFlush(ascii("back"));
            return atB.count() > 0;
        }, () -> "nothing received after the interface came back up");
        assertEquals("back", atB.frames().get(0).text());
        assertThat(atB.frames()).noneMatch(r -> r.text().equals("into the void"));
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
