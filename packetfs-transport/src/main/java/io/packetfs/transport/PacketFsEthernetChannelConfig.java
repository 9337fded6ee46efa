package io.packetfs.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.util.internal.ObjectUtil;

import java.io.IOException;
import java.util.Map;

import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_QDISC_BYPASS;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.SOL_PACKET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.SOL_SOCKET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.SO_RCVBUFFORCE;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.SO_SNDBUFFORCE;

/**
 * The configuration of a {@link PacketFsEthernetChannel}: Netty's common options plus {@link ChannelOption#SO_RCVBUF},
 * {@link ChannelOption#SO_SNDBUF}, {@link #QDISC_BYPASS} and {@link #PACKET_MMAP}.
 *
 * <p>Buffer sizes above the system limits ({@code net.core.rmem_max}, {@code net.core.wmem_max}) are applied with
 * SO_RCVBUFFORCE / SO_SNDBUFFORCE when the process has CAP_NET_ADMIN, else capped by the kernel. As with any Linux
 * socket, the getters return what the kernel reserved, which is twice the requested size.
 *
 * <p>The receive allocator defaults to a {@link FixedRecvByteBufAllocator} of MTU + 18 bytes. Any allocator may be set:
 * its guess is only a lower bound, as the channel never allocates less than MTU + 18 bytes for a frame.
 */
public final class PacketFsEthernetChannelConfig extends DefaultChannelConfig {

    /**
     * PACKET_QDISC_BYPASS: frames go straight to the driver, skipping the interface's queueing discipline (default
     * {@value #DEFAULT_QDISC_BYPASS}). Faster per frame; the price is that tc shaping ({@code tbf}...) does not apply
     * to this channel's frames, and that capture taps on the sending interface ({@code tcpdump -i} there) do not see
     * them (a tap on the receiving side does). A kernel without the option (before 3.14) keeps the normal path.
     */
    public static final ChannelOption<Boolean> QDISC_BYPASS =
            ChannelOption.valueOf(PacketFsEthernetChannelConfig.class, "QDISC_BYPASS");
    /** Default of {@link #QDISC_BYPASS}. */
    public static final boolean DEFAULT_QDISC_BYPASS = true;

    /**
     * PACKET_MMAP rings (TPACKET_V2) shared with the kernel instead of one system call per frame (default
     * {@value #DEFAULT_PACKET_MMAP}): outbound frames are written into a TX ring and sent with one {@code send} per
     * batch, and inbound frames are read from an RX ring that the kernel fills, with no system call per frame. Set up
     * when the channel registers, so set this option before (a {@code Bootstrap} does); a kernel that refuses them
     * leaves the channel on plain {@code send} / {@code recv}, which behave the same, only slower
     * ({@link PacketFsEthernetChannel#isTxRing()} and {@link PacketFsEthernetChannel#isRxRing()} tell which paths are
     * in use).
     */
    public static final ChannelOption<Boolean> PACKET_MMAP =
            ChannelOption.valueOf(PacketFsEthernetChannelConfig.class, "PACKET_MMAP");
    /** Default of {@link #PACKET_MMAP}. */
    public static final boolean DEFAULT_PACKET_MMAP = true;

    private final PacketFsEthernetChannel channel;
    private volatile boolean qdiscBypass;
    private volatile boolean packetMmap = DEFAULT_PACKET_MMAP;

    PacketFsEthernetChannelConfig(PacketFsEthernetChannel channel, int frameCapacity) {
        super(channel, new FixedRecvByteBufAllocator(frameCapacity));
        this.channel = channel;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ChannelOption.SO_RCVBUF, ChannelOption.SO_SNDBUF, QDISC_BYPASS,
                PACKET_MMAP);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ChannelOption.SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == ChannelOption.SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == QDISC_BYPASS) {
            return (T) Boolean.valueOf(isQdiscBypass());
        }
        if (option == PACKET_MMAP) {
            return (T) Boolean.valueOf(isPacketMmap());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == ChannelOption.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == QDISC_BYPASS) {
            setQdiscBypass((Boolean) value);
        } else if (option == PACKET_MMAP) {
            setPacketMmap((Boolean) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /** SO_RCVBUF as the kernel reports it (twice the requested size). */
    public int getReceiveBufferSize() {
        try {
            return channel.socket().getReceiveBufferSize();
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }

    /**
     * Sets SO_RCVBUF; above {@code net.core.rmem_max} with SO_RCVBUFFORCE if permitted. Frames that arrive while
     * the buffer is full are dropped by the kernel and counted in {@link PacketFsEthernetChannel#kernelDrops()}.
     */
    public PacketFsEthernetChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        ObjectUtil.checkPositive(receiveBufferSize, "receiveBufferSize");
        LinuxSocket socket = channel.socket();
        try {
            socket.setReceiveBufferSize(receiveBufferSize);
            if (socket.getReceiveBufferSize() < 2L * receiveBufferSize) {
                forceQuietly(socket, SO_RCVBUFFORCE, receiveBufferSize);
            }
        } catch (IOException e) {
            throw new ChannelException(e);
        }
        return this;
    }

    /** SO_SNDBUF as the kernel reports it (twice the requested size). */
    public int getSendBufferSize() {
        try {
            return channel.socket().getSendBufferSize();
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }

    /** Sets SO_SNDBUF; above {@code net.core.wmem_max} with SO_SNDBUFFORCE if permitted. */
    public PacketFsEthernetChannelConfig setSendBufferSize(int sendBufferSize) {
        ObjectUtil.checkPositive(sendBufferSize, "sendBufferSize");
        LinuxSocket socket = channel.socket();
        try {
            socket.setSendBufferSize(sendBufferSize);
            if (socket.getSendBufferSize() < 2L * sendBufferSize) {
                forceQuietly(socket, SO_SNDBUFFORCE, sendBufferSize);
            }
        } catch (IOException e) {
            throw new ChannelException(e);
        }
        return this;
    }

    /** True if frames bypass the qdisc layer (see {@link #QDISC_BYPASS}). */
    public boolean isQdiscBypass() {
        return qdiscBypass;
    }

    /**
     * Sets PACKET_QDISC_BYPASS (see {@link #QDISC_BYPASS}).
     *
     * @throws ChannelException if the kernel refuses (a kernel older than 3.14 does not know the option)
     */
    public PacketFsEthernetChannelConfig setQdiscBypass(boolean qdiscBypass) {
        try {
            channel.socket().setIntOpt(SOL_PACKET, PACKET_QDISC_BYPASS, qdiscBypass ? 1 : 0);
        } catch (IOException e) {
            throw new ChannelException("PACKET_QDISC_BYPASS refused: " + e.getMessage(), e);
        }
        this.qdiscBypass = qdiscBypass;
        return this;
    }

    /** True if the channel uses (or will try) PACKET_MMAP rings (see {@link #PACKET_MMAP}). */
    public boolean isPacketMmap() {
        return packetMmap;
    }

    /**
     * Uses PACKET_MMAP rings or not (see {@link #PACKET_MMAP}).
     *
     * @throws IllegalStateException once the channel has registered (the rings are set up then, or not)
     */
    public PacketFsEthernetChannelConfig setPacketMmap(boolean packetMmap) {
        if (channel.ringsDecided() && packetMmap != this.packetMmap) {
            throw new IllegalStateException("PACKET_MMAP is decided when the channel registers: set it before");
        }
        this.packetMmap = packetMmap;
        return this;
    }

    private static void forceQuietly(LinuxSocket socket, int option, int size) {
        try {
            socket.setIntOpt(SOL_SOCKET, option, size);
        } catch (IOException notPermitted) {
            // No CAP_NET_ADMIN: keep the size the kernel capped at the system limit.
        }
    }

    @Override
    protected void autoReadCleared() {
        channel.autoReadCleared();
    }

    @Override
    public PacketFsEthernetChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public PacketFsEthernetChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public PacketFsEthernetChannelConfig setMaxMessagesPerWrite(int maxMessagesPerWrite) {
        super.setMaxMessagesPerWrite(maxMessagesPerWrite);
        return this;
    }

    @Override
    public PacketFsEthernetChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public PacketFsEthernetChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public PacketFsEthernetChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public PacketFsEthernetChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public PacketFsEthernetChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    public PacketFsEthernetChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    public PacketFsEthernetChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public PacketFsEthernetChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public PacketFsEthernetChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }
}
