package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the UDP adapter groups frames for segmentation offload, on an EmbeddedChannel (what it writes, not a socket):
 * fewer than {@link PacketFsUdpAdapter#MIN_SEGMENTS} frames between flushes go out one datagram each and unpadded;
 * more go out as one segmented send, padded to the first frame's size.
 */
class PacketFsUdpAdapterBatchTest {

    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 9);

    private static List<Object> send(int frames, int size) {
        PacketFsUdpAdapter adapter = new PacketFsUdpAdapter(PEER, true);
        EmbeddedChannel ch = new EmbeddedChannel(adapter);
        for (int i = 0; i < frames; i++) {
            // the last frame is a few bytes short: padded in a segmented send, not alone
            ByteBuf f = Unpooled.buffer(size).writeZero(i == frames - 1 ? size - 5 : size);
            ch.write(f, ch.voidPromise());
        }
        ch.flush();
        List<Object> out = new ArrayList<>();
        for (Object m; (m = ch.readOutbound()) != null; ) {
            out.add(m);
        }
        out.add(adapter.paddingBytes());
        ch.finishAndReleaseAll();
        return out;
    }

    @Test
    void fewFramesGoOutOneDatagramEachUnpadded() {
        List<Object> out = send(PacketFsUdpAdapter.MIN_SEGMENTS - 1, 1400);
        assertThat(out.subList(0, out.size() - 1)).hasSize(PacketFsUdpAdapter.MIN_SEGMENTS - 1)
                .allMatch(m -> m instanceof DatagramPacket && !(m instanceof SegmentedDatagramPacket));
        assertThat(((DatagramPacket) out.get(out.size() - 2)).content().readableBytes()).isEqualTo(1395);
        assertThat(out.get(out.size() - 1)).isEqualTo(0L);
        out.subList(0, out.size() - 1).forEach(ReferenceCountUtil::release);
    }

    @Test
    void enoughFramesGoOutAsOneSegmentedSendPadded() {
        int n = PacketFsUdpAdapter.MIN_SEGMENTS + 3;
        List<Object> out = send(n, 1400);
        assertThat(out).hasSize(2);
        SegmentedDatagramPacket p = (SegmentedDatagramPacket) out.get(0);
        assertThat(p.segmentSize()).isEqualTo(1400);
        assertThat(p.content().readableBytes()).isEqualTo(n * 1400);
        assertThat(out.get(1)).isEqualTo(5L);
        p.release();
    }
}
