package io.packetfs.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.packetfs.codec.PacketFsConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;

/**
 * One entry point for both transports: {@link #open(PacketFsEndpoint, Role, EventLoopGroup, ChannelHandler)} builds a
 * channel whose pipeline is a transport adapter ({@link PacketFsUdpAdapter} or {@link PacketFsEthernetAdapter}, one
 * PacketFS frame per {@link io.netty.buffer.ByteBuf} above it) followed by the caller's handler. Everything the
 * caller adds is identical on both transports.
 *
 * <pre>
 *   EventLoopGroup group = PacketFsTransports.newEventLoopGroup(1);
 *   Channel ch = PacketFsTransports.open(PacketFsEndpoint.parse("udp:127.0.0.1:9000"), Role.CONNECT, group,
 *           new ChannelInitializer&lt;&gt;() { ... PacketFsPipelines.addCodec(ch.pipeline(), config) ... })
 *       .sync().channel();
 * </pre>
 */
public final class PacketFsTransports {

    /** Name of the adapter in the pipeline. */
    public static final String ADAPTER = "packetfs-transport-adapter";

    /**
     * The largest PacketFS frame the UDP tunnel can be asked to carry (a jumbo Ethernet payload). Receive buffers are
     * sized by the {@code maxFrameLength} given to {@link #open(PacketFsEndpoint, Role, EventLoopGroup, ChannelHandler,
     * int)}; a longer datagram is cut by the kernel and the frame decoder reports it as TRUNCATED.
     */
    public static final int MAX_UDP_FRAME = 9216;

    /** Datagrams read per system call (recvmmsg) on epoll. */
    private static final int DATAGRAMS_PER_READ = 16;
    /** With UDP_GRO: the largest coalesced datagram (one per recvmsg). */
    private static final int MAX_COALESCED_DATAGRAM = 65_535;
    private static final int COALESCED_PER_READ = 1;

    /**
     * The allocator of every channel opened here: Netty's pooled allocator, not 4.2's default adaptive one. A pooled
     * buffer keeps its NIO view when it is reused and its slices and duplicates are recycled, so the per-frame paths
     * (the CRC32C over each frame, the duplicate the send window hands to the transport, the slices the decoder
     * makes) allocate nothing; with the adaptive allocator each frame cost about 240 bytes of garbage (JMH
     * {@code ReliabilityBenchmark -prof gc}: 237 B per frame, 0.2 B pooled). A channel of your own gets the same with
     * {@code option(ChannelOption.ALLOCATOR, PacketFsTransports.ALLOCATOR)}.
     */
    public static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

    /** Default socket receive buffer (bytes): room for bursts at line rate. */
    public static final int DEFAULT_RCVBUF = 4 * 1024 * 1024;

    /** Which side of a conversation a channel is. */
    public enum Role {
        /** Waits for peers: UDP binds HOST:PORT (joining it when multicast); replies go to the last sender. */
        LISTEN,
        /** Starts the conversation: UDP binds an ephemeral port and sends to HOST:PORT. */
        CONNECT
    }

    private PacketFsTransports() {
    }

    /** Epoll where it is available (needed for L2), NIO elsewhere. */
    public static IoHandlerFactory ioHandlerFactory() {
        return Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /** An event loop group that can run both transports (L2 only where epoll is available). */
    public static EventLoopGroup newEventLoopGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory());
    }

    /**
     * Opens a channel on {@code endpoint} with the transport adapter and then {@code handler} in its pipeline.
     * The returned future completes when the channel is bound (UDP) or registered (L2).
     */
    public static ChannelFuture open(PacketFsEndpoint endpoint, Role role, EventLoopGroup group,
                                     ChannelHandler handler) {
        return open(endpoint, role, group, handler, PacketFsConfig.DEFAULT.maxFrameLength());
    }

    /**
     * As {@link #open(PacketFsEndpoint, Role, EventLoopGroup, ChannelHandler)}, for frames of up to
     * {@code maxFrameLength} bytes (the {@link PacketFsConfig#maxFrameLength()} of the pipeline; on L2 the interface
     * MTU bounds frames instead).
     */
    public static ChannelFuture open(PacketFsEndpoint endpoint, Role role, EventLoopGroup group,
                                     ChannelHandler handler, int maxFrameLength) {
        if (maxFrameLength < 1 || maxFrameLength > MAX_UDP_FRAME) {
            throw new IllegalArgumentException("maxFrameLength " + maxFrameLength + " (expected 1.." + MAX_UDP_FRAME
                    + ")");
        }
        return endpoint.kind() == PacketFsEndpoint.Kind.UDP ? openUdp(endpoint, role, group, handler, maxFrameLength)
                : openL2(endpoint, group, handler);
    }

    private static ChannelFuture openL2(PacketFsEndpoint endpoint, EventLoopGroup group, ChannelHandler handler) {
        PacketFsEthernet.ensureAvailability();
        Bootstrap b = new Bootstrap().group(group)
                .channelFactory(() -> new PacketFsEthernetChannel(endpoint.iface(),
                        endpoint.peer() != null ? endpoint.peer() : PacketFsMacAddress.BROADCAST, endpoint.netns()))
                .option(ChannelOption.SO_RCVBUF, DEFAULT_RCVBUF)
                .option(ChannelOption.ALLOCATOR, ALLOCATOR)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(ADAPTER, new PacketFsEthernetAdapter(endpoint.peer()));
                        ch.pipeline().addLast(handler);
                    }
                });
        return b.register();
    }

    private static ChannelFuture openUdp(PacketFsEndpoint endpoint, Role role, EventLoopGroup group,
                                         ChannelHandler handler, int maxFrameLength) {
        InetAddress address;
        try {
            address = InetAddress.getByName(endpoint.host());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve host '" + endpoint.host() + "' of " + endpoint, e);
        }
        InetSocketAddress target = new InetSocketAddress(address, endpoint.port());
        boolean multicast = address.isMulticastAddress();
        NetworkInterface nif = multicastInterface(endpoint, multicast);
        boolean epoll = Epoll.isAvailable();
        // segmentation offload (UDP_SEGMENT out, UDP_GRO in) for unicast on epoll; opt out with
        // -Dio.packetfs.udp.offload=false
        boolean offload = epoll && !multicast && io.netty.channel.epoll.SegmentedDatagramPacket.isSupported()
                && Boolean.parseBoolean(System.getProperty("io.packetfs.udp.offload", "true"));
        int slot = offload ? MAX_COALESCED_DATAGRAM : maxFrameLength;
        int slots = offload ? COALESCED_PER_READ : DATAGRAMS_PER_READ;
        Bootstrap b = new Bootstrap().group(group)
                .channelFactory(() -> newDatagramChannel(epoll, address instanceof java.net.Inet6Address
                        ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET, endpoint.netns()))
                .option(ChannelOption.SO_RCVBUF, DEFAULT_RCVBUF)
                .option(ChannelOption.SO_SNDBUF, DEFAULT_RCVBUF)
                .option(ChannelOption.ALLOCATOR, ALLOCATOR)
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(epoll
                        ? slot * slots : maxFrameLength))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(ADAPTER, new PacketFsUdpAdapter(role == Role.CONNECT ? target : null,
                                offload));
                        ch.pipeline().addLast(handler);
                    }
                });
        if (offload) {
            // UDP_GRO: the kernel hands over up to 64 KiB of same-sized datagrams per recvmsg, with their size, and
            // Netty splits them (its recvmmsg path drops the size: coalesced datagrams would arrive as one frame)
            b.option(EpollChannelOption.UDP_GRO, true);
        } else if (epoll) {
            // recvmmsg: up to DATAGRAMS_PER_READ datagrams per system call, each a slice of one buffer
            b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, slot);
        }
        if (multicast) {
            b.option(ChannelOption.SO_REUSEADDR, true).option(ChannelOption.IP_MULTICAST_LOOP_DISABLED, false);
            if (nif != null) {
                b.option(ChannelOption.IP_MULTICAST_IF, nif);
            }
        }
        if (role == Role.CONNECT) {
            return b.bind(new InetSocketAddress(address instanceof java.net.Inet6Address ? "::" : "0.0.0.0", 0));
        }
        if (!multicast) {
            return b.bind(target);
        }
        ChannelFuture bound = b.bind(new InetSocketAddress(endpoint.port()));
        Channel ch = bound.channel();
        ChannelPromise joined = ch.newPromise();
        bound.addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
                joined.tryFailure(f.cause());
                return;
            }
            DatagramChannel dc = (DatagramChannel) ch;
            (nif != null ? dc.joinGroup(target, nif) : dc.joinGroup(address)).addListener(j -> {
                if (j.isSuccess()) {
                    joined.trySuccess();
                } else {
                    ch.close();
                    joined.tryFailure(new IllegalStateException(
                            "cannot join multicast group " + address.getHostAddress() + (nif != null ? " on "
                                    + nif.getName() : "") + ": " + j.cause().getMessage()
                                    + " (name the interface with ,iface=NAME; it must have the MULTICAST flag)",
                            j.cause()));
                }
            });
        });
        return joined;
    }

    private static DatagramChannel newDatagramChannel(boolean epoll, SocketProtocolFamily family, String netns) {
        if (netns == null) {
            return epoll ? new EpollDatagramChannel(family) : new NioDatagramChannel(family);
        }
        // The socket belongs to the namespace of the thread that creates it.
        return PacketFsNetns.call(netns, () -> epoll ? new EpollDatagramChannel(family)
                : new NioDatagramChannel(family));
    }

    private static NetworkInterface multicastInterface(PacketFsEndpoint endpoint, boolean multicast) {
        if (endpoint.iface() == null) {
            return null;
        }
        if (!multicast) {
            throw new IllegalArgumentException("iface=" + endpoint.iface() + " in " + endpoint
                    + " only applies to a multicast group address");
        }
        try {
            // Java reads interfaces through a socket of the calling thread, so look inside the namespace
            NetworkInterface nif = endpoint.netns() == null ? NetworkInterface.getByName(endpoint.iface())
                    : PacketFsNetns.call(endpoint.netns(), () -> NetworkInterface.getByName(endpoint.iface()));
            if (nif == null) {
                throw new IllegalArgumentException("no network interface '" + endpoint.iface() + "' (see 'ip link')");
            }
            return nif;
        } catch (SocketException e) {
            throw new IllegalArgumentException("cannot read interface '" + endpoint.iface() + "': " + e.getMessage(), e);
        }
    }
}
