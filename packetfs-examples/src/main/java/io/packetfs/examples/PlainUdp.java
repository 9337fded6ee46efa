package io.packetfs.examples;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.packetfs.transport.PacketFsNetns;
import io.packetfs.transport.PacketFsTransports;

import java.net.InetSocketAddress;

/**
 * Plain Netty UDP sockets, without any PacketFS handler: the reference line of the benchmarks ({@code bench},
 * {@code bench-transport}). They use the same socket options as the PacketFS UDP tunnel
 * ({@link PacketFsTransports}): 4 MiB send and receive buffers and, on epoll, up to 16 datagrams per receive call,
 * so that a benchmark's difference between the two is the PacketFS pipeline and nothing else.
 */
final class PlainUdp {

    /** Datagrams per receive call on epoll (recvmmsg), as in the UDP tunnel. */
    private static final int DATAGRAMS_PER_READ = 16;

    private PlainUdp() {
    }

    /**
     * Binds a receiver on {@code bind} (port 0: an ephemeral port, see {@link Channel#localAddress()}) in network
     * namespace {@code netns} (null: the current one); {@code handler} gets {@link io.netty.channel.socket.DatagramPacket}s
     * of up to {@code maxDatagram} bytes and must release them.
     */
    static Channel openReceiver(EventLoopGroup group, InetSocketAddress bind, String netns, int maxDatagram,
                                ChannelHandler handler) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        Bootstrap b = new Bootstrap().group(group)
                .channelFactory(() -> newChannel(epoll, netns))
                .option(ChannelOption.SO_RCVBUF, PacketFsTransports.DEFAULT_RCVBUF)
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(epoll
                        ? maxDatagram * DATAGRAMS_PER_READ : maxDatagram))
                .handler(handler);
        if (epoll) {
            b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagram);
        }
        return b.bind(bind).sync().channel();
    }

    /** Binds a sender on {@code bind} (port 0: ephemeral) in {@code netns} (null: the current one). */
    static Channel openSender(EventLoopGroup group, InetSocketAddress bind, String netns, ChannelHandler handler)
            throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        return new Bootstrap().group(group)
                .channelFactory(() -> newChannel(epoll, netns))
                .option(ChannelOption.SO_SNDBUF, PacketFsTransports.DEFAULT_RCVBUF)
                .handler(handler)
                .bind(bind).sync().channel();
    }

    private static DatagramChannel newChannel(boolean epoll, String netns) {
        if (netns == null) {
            return epoll ? new EpollDatagramChannel() : new NioDatagramChannel();
        }
        // The socket belongs to the namespace of the thread that creates it.
        return PacketFsNetns.call(netns, () -> epoll ? new EpollDatagramChannel() : new NioDatagramChannel());
    }
}
