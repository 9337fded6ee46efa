package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.packetfs.transport.PacketFsEthernetRecorder.Received;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One-to-many on one segment: three stations, each in its own namespace, on a Linux bridge in a fourth. A broadcast
 * reaches both other stations; a multicast group only the stations that joined it; a unicast frame only its station.
 */
class PacketFsEthernetBroadcastTest {

    private static final PacketFsMacAddress GROUP = PacketFsMacAddress.parse("03:00:00:00:13:37");

    private static EventLoopGroup group;
    private static NetnsBridge segment;

    private final List<PacketFsEthernetChannel> opened = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        assumeTrue(VethPair.canRun(), VethPair::skipReason);
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        segment = NetnsBridge.create(3);
    }

    @AfterAll
    static void tearDown() {
        try {
            if (group != null) {
                group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
            }
        } finally {
            if (segment != null) {
                segment.close();
            }
        }
    }

    @AfterEach
    void closeChannels() {
        for (PacketFsEthernetChannel ch : opened) {
            ch.close().syncUninterruptibly();
        }
        opened.clear();
    }

    private PacketFsEthernetChannel station(int i, PacketFsEthernetRecorder recorder) {
        PacketFsEthernetChannel ch = new PacketFsEthernetChannel(segment.interfaceName(i),
                PacketFsMacAddress.BROADCAST, segment.netns(i));
        ch.pipeline().addLast(recorder);
        group.register(ch).syncUninterruptibly();
        opened.add(ch);
        return ch;
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    @Test
    void aBroadcastReachesTwoReceivers() throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetRecorder atC = new PacketFsEthernetRecorder();
        PacketFsEthernetRecorder atA = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = station(0, atA);
        PacketFsEthernetChannel b = station(1, atB);
        PacketFsEthernetChannel c = station(2, atC);

        int count = 100;
        for (int i = 0; i < count; i++) {
            a.write(ascii("to all " + i));
        }
        a.flush();
        for (PacketFsEthernetRecorder recorder : List.of(atB, atC)) {
            List<Received> frames = recorder.awaitFrames(count, recorder == atB ? b : c);
            List<String> texts = new ArrayList<>();
            for (Received r : frames) {
                assertEquals(PacketFsMacAddress.BROADCAST, r.destination);
                assertEquals(a.interfaceMac(), r.source);
                texts.add(r.text());
            }
            assertThat(texts).hasSize(count).doesNotHaveDuplicates().allMatch(t -> t.startsWith("to all "));
        }
        assertEquals(0, atA.count());
        assertEquals(count, a.framesSent());
    }

    @Test
    void aMulticastGroupReachesTheStationsThatJoinedIt() throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetRecorder atC = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = station(0, new PacketFsEthernetRecorder());
        PacketFsEthernetChannel b = station(1, atB);
        PacketFsEthernetChannel c = station(2, atC);
        c.joinGroup(GROUP);
        assertThrows(IllegalArgumentException.class, () -> c.joinGroup(a.interfaceMac()));

        for (int i = 0; i < 10; i++) {
            a.write(new PacketFsEthernetFrame(GROUP, ascii("group " + i)));
        }
        a.writeAndFlush(ascii("marker 1")).sync();

        List<Received> atCFrames = atC.awaitFrames(11, c);
        for (int i = 0; i < 10; i++) {
            assertEquals(GROUP, atCFrames.get(i).destination);
            assertEquals("group " + i, atCFrames.get(i).text());
        }
        assertEquals("marker 1", atCFrames.get(10).text());
        // b did not join: the marker came in behind the group frames, which b dropped.
        assertEquals("marker 1", atB.awaitFrames(1, b).get(0).text());
        assertEquals(1, atB.count());
        assertEquals(10, b.framesIgnored());

        c.leaveGroup(GROUP);
        a.write(new PacketFsEthernetFrame(GROUP, ascii("group after leave")));
        a.writeAndFlush(ascii("marker 2")).sync();
        assertEquals("marker 2", atC.awaitFrames(12, c).get(11).text());
        assertEquals(12, atC.count());
        assertEquals(1, c.framesIgnored());
    }

    @Test
    void aUnicastFrameReachesOnlyItsStation() throws Exception {
        PacketFsEthernetRecorder atB = new PacketFsEthernetRecorder();
        PacketFsEthernetRecorder atC = new PacketFsEthernetRecorder();
        PacketFsEthernetChannel a = station(0, new PacketFsEthernetRecorder());
        PacketFsEthernetChannel b = station(1, atB);
        PacketFsEthernetChannel c = station(2, atC);

        a.write(new PacketFsEthernetFrame(b.interfaceMac(), ascii("for b only")));
        a.writeAndFlush(ascii("marker")).sync();

        List<Received> atBFrames = atB.awaitFrames(2, b);
        assertEquals("for b only", atBFrames.get(0).text());
        assertEquals(b.interfaceMac(), atBFrames.get(0).destination);
        assertEquals("marker", atBFrames.get(1).text());
        // Whether the bridge floods the unicast frame to c depends on what it learnt; either way c never delivers it.
        assertEquals("marker", atC.awaitFrames(1, c).get(0).text());
        assertEquals(1, atC.count());
    }
}
