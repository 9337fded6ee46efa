package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One-to-many on the UDP tunnel: a sender in namespace A writes to a multicast group through the veth pair, and two
 * receivers in namespace B that joined the group both get every frame. Linux and root only (skips elsewhere).
 */
class PacketFsUdpMulticastTest {

    private static final String GROUP = "239.77.0.1";
    private static final int PORT = 47077;
    private static final int FRAMES = 20;

    private static VethPair veth;
    private static EventLoopGroup group;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(VethPair.canRun(), VethPair::skipReason);
        veth = VethPair.create(true);
        group = PacketFsTransports.newEventLoopGroup(1);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (veth != null) {
            veth.close();
        }
    }

    @Test
    void everyMemberOfTheGroupGetsEveryFrame() throws Exception {
        PacketFsUdpTunnelTest.Collector first = new PacketFsUdpTunnelTest.Collector();
        PacketFsUdpTunnelTest.Collector second = new PacketFsUdpTunnelTest.Collector();
        PacketFsEndpoint listen = PacketFsEndpoint.parse("udp:" + GROUP + ":" + PORT + ",iface=" + veth.interfaceB()
                + ",netns=" + veth.netnsB());
        Channel r1 = PacketFsTransports.open(listen, PacketFsTransports.Role.LISTEN, group, first).sync().channel();
        Channel r2 = PacketFsTransports.open(listen, PacketFsTransports.Role.LISTEN, group, second).sync().channel();
        PacketFsEndpoint send = PacketFsEndpoint.parse("udp:" + GROUP + ":" + PORT + ",iface=" + veth.interfaceA()
                + ",netns=" + veth.netnsA());
        Channel tx = PacketFsTransports.open(send, PacketFsTransports.Role.CONNECT, group,
                new io.netty.channel.ChannelInboundHandlerAdapter()).sync().channel();
        try {
            for (int i = 0; i < FRAMES; i++) {
                ByteBuf frame = tx.alloc().buffer(8).writeBytes(new byte[] {0x10, 0x10, 0, 8, 0, 0, 0, (byte) i});
                tx.writeAndFlush(frame).sync();
            }
            first.awaitFrames(FRAMES);
            second.awaitFrames(FRAMES);
            for (int i = 0; i < FRAMES; i++) {
                assertEquals(i, first.frameSequences.get(i));
                assertEquals(i, second.frameSequences.get(i));
            }
        } finally {
            tx.close().sync();
            r1.close().sync();
            r2.close().sync();
        }
    }
}
