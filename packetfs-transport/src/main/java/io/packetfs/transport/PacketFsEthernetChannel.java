package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.UncheckedBooleanSupplier;
import io.netty.util.internal.ObjectUtil;
import io.netty.util.internal.StringUtil;
import io.packetfs.codec.PacketFsMeterBinder;
import io.packetfs.codec.PacketFsMeterSource;
import io.packetfs.codec.PacketFsMetricNames;
import io.packetfs.transport.internal.PacketFsErrnoException;
import io.packetfs.transport.internal.PacketFsPacketRing;
import io.packetfs.transport.internal.PacketFsPacketRings;
import io.packetfs.transport.internal.PacketFsPacketSocket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static io.packetfs.transport.internal.PacketFsEthernetConstants.DESTINATION_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.ETHER_TYPE;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.ETHER_TYPE_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.HEADER_LENGTH;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_ADD_MEMBERSHIP;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_DROP_MEMBERSHIP;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_MREQ_ADDRESS_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_MREQ_ALEN_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_MREQ_IFINDEX_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_MREQ_LENGTH;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_MREQ_TYPE_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_MR_MULTICAST;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_STATISTICS;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.SOL_PACKET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.SOURCE_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TPACKET2_TX_DATA_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TPACKET_STATS_DROPS_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TPACKET_STATS_LENGTH;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TPACKET_STATS_PACKETS_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TP_LEN_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TP_MAC_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TP_SNAPLEN_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TP_STATUS_AVAILABLE;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TP_STATUS_KERNEL;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TP_STATUS_SEND_REQUEST;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TP_STATUS_USER;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.VLAN_TAG_LENGTH;

/**
 * A Netty {@link io.netty.channel.Channel} over an AF_PACKET SOCK_RAW socket bound to one Ethernet interface and
 * EtherType 0x1337, running on Netty's epoll event loop.
 *
 * <p><b>Set-up.</b> The constructor opens and binds the socket (through JNA: {@code socket}, {@code ioctl},
 * {@code bind}), inside network namespace {@code netns} when one is named (see {@link PacketFsNetns}), and fails with
 * a {@link ChannelException} that says what to do when it cannot (no permission, no such interface, interface down).
 * Register the channel on an epoll {@link IoEventLoop} ({@code MultiThreadIoEventLoopGroup} with
 * {@code EpollIoHandler.newFactory()}), directly or with a {@code Bootstrap} and its {@code register()}: it is active
 * from then on. There is nothing to bind or connect: {@code bind} accepts only the channel's own
 * {@link #localAddress()}, {@code connect} fails with {@link UnsupportedOperationException}, {@code disconnect}
 * closes. A channel that never got registered is released with {@code unsafe().closeForcibly()}.
 *
 * <p><b>I/O.</b> The channel registers itself (its unsafe is an {@link EpollIoHandle}) through the public IoHandle API
 * and reads and writes with Netty's native socket calls ({@link LinuxSocket#recvAddress} and
 * {@link LinuxSocket#sendAddress}): no JNA call, no thread and no blocking per frame. When it registers it sets up
 * PACKET_MMAP RX and TX rings (unless {@link PacketFsEthernetChannelConfig#PACKET_MMAP} is off, or the kernel
 * refuses): outbound frames are then written straight into ring slots shared with the kernel, and one {@code send} per
 * batch transmits them all; inbound frames are read from the slots the kernel filled (EPOLLIN says some are ready),
 * each payload copied into a buffer of the channel's allocator and the slot handed back, with no system call per
 * frame. Frames bypass the interface's qdisc by default
 * ({@link PacketFsEthernetChannelConfig#QDISC_BYPASS}). Frames on the wire:
 * <pre>
 * +-----------------+-----------------+-----------+------------------------------+
 * | destination MAC | source MAC      | EtherType | PacketFS frame               |
 * | 6 bytes         | 6 bytes (ours)  | 0x1337    | 1..MTU bytes                 |
 * +-----------------+-----------------+-----------+------------------------------+
 * </pre>
 * <ul>
 *   <li>Inbound: each frame for this station (destination = this interface's MAC, broadcast, or a multicast group
 *       joined with {@link #joinGroup}) is fired as a {@link PacketFsEthernetFrame} whose content is the payload only
 *       (its reader index is past the 14-byte header). Receive buffers hold MTU + 18 bytes at least, whatever the
 *       {@link RecvByteBufAllocator} says, so no frame is ever cut; a frame that would not fit is dropped and counted
 *       in {@link #invalidFrames()}, frames for other stations in {@link #framesIgnored()}. The socket never sees
 *       the frames it sends itself.</li>
 *   <li>Outbound: a {@link PacketFsEthernetFrame} goes to its destination, a plain {@link ByteBuf} to
 *       {@link #defaultPeer()}. An empty payload, a payload larger than {@link #mtu()}, and any other message type
 *       fail the write promise with a message that says why (and the message is released). A send error (interface
 *       down, ENOBUFS...) fails that frame's promise and the channel goes on. Note that a real NIC pads payloads
 *       shorter than 46 bytes with zeros (veth does not); PacketFS frames carry their own length.</li>
 * </ul>
 *
 * <p><b>Interface events.</b> When the interface goes down, {@code exceptionCaught} receives an {@link IOException}
 * saying so and frames flow again once it is back up; when it is deleted or moved to another namespace, the channel
 * reports it and closes.
 *
 * <p><b>No flow control.</b> Layer 2 drops what the receiver cannot take: with the RX ring, what does not fit in its
 * {@link #rxRingFrames()} slots (4 MiB of ring: 2,624 slots at MTU 1500); without it, what does not fit in
 * {@code SO_RCVBUF} (4 MiB by default; values above {@code net.core.rmem_max} are applied with
 * {@code SO_RCVBUFFORCE}). Watch {@link #kernelDrops()}.
 */
public final class PacketFsEthernetChannel extends AbstractChannel implements PacketFsMeterSource {

    /** SO_RCVBUF applied when the channel opens. */
    public static final int DEFAULT_RECEIVE_BUFFER_SIZE = 4 * 1024 * 1024;

    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    private static final String EXPECTED_TYPES = " (expected: "
            + StringUtil.simpleClassName(PacketFsEthernetFrame.class) + " or "
            + StringUtil.simpleClassName(ByteBuf.class) + ')';
    private static final EpollIoOps INITIAL_OPS = EpollIoOps.EPOLLERR;
    private static final int EPOLLIN = EpollIoOps.EPOLLIN.value();
    private static final int EPOLLOUT = EpollIoOps.EPOLLOUT.value();
    private static final int EPOLLERR = EpollIoOps.EPOLLERR.value();
    private static final int ERRNO_ENODEV = 19;
    private static final int ERRNO_ENETDOWN = 100;
    private static final int MAX_DROPPED_PER_WAKEUP = 64;
    private static final PacketFsMacAddress[] NO_GROUPS = new PacketFsMacAddress[0];
    /** Bytes of TX ring (PACKET_MMAP): 656 slots of 1,584 bytes at MTU 1500. */
    private static final int TX_RING_BYTES = 1024 * 1024;
    /** Frames written into the TX ring per {@code send}. */
    private static final int TX_BATCH = 128;
    /**
     * Bytes of RX ring (PACKET_MMAP): 64 blocks of 64 KiB, each holding 41 slots of 1,584 bytes at MTU 1500 (66 bytes
     * of tpacket2_hdr, sockaddr_ll and padding before the frame, MTU + 18 bytes of frame, rounded up to
     * TPACKET_ALIGNMENT), so 2,624 frames of any size; 448 at MTU 9000. As much memory as the default SO_RCVBUF.
     */
    private static final int RX_RING_BYTES = 4 * 1024 * 1024;

    private final LinuxSocket socket;
    private final String interfaceName;
    private final String netns;
    private final int ifindex;
    private final int mtu;
    private final int frameCapacity;
    private final PacketFsMacAddress interfaceMac;
    private final byte[] interfaceMacBytes;
    private final PacketFsMacAddress defaultPeer;
    private final EthernetAddress local;
    private final EthernetAddress remote;
    private final PacketFsEthernetChannelConfig config;
    private final Object socketLock = new Object();
    private final Runnable flushTask = () -> ((EthernetUnsafe) unsafe()).forceFlush();

    private volatile PacketFsMacAddress[] groups = NO_GROUPS;

    // Event-loop state.
    private IoRegistration registration;
    private EpollIoOps ops = INITIAL_OPS;
    private boolean readPending;
    private PacketFsMacAddress lastSource;
    private PacketFsPacketRings rings;
    private PacketFsPacketRing txRing;
    private PacketFsPacketRing rxRing;
    private final RingWriter ringWriter = new RingWriter();
    /** TX ring: frames marked for sending that the kernel did not take yet (its send buffer was full). */
    private boolean txPending;
    /** Send path without a TX ring: the frame being sent, header included (allocated once). */
    private ByteBuf scratch;
    private volatile boolean ringsDecided;

    // Counters: written by the event loop only, read by anyone.
    private volatile long framesReceived;
    private volatile long framesSent;
    private volatile long framesIgnored;
    private volatile long invalidFrames;
    private volatile long sendErrors;

    // PACKET_STATISTICS, accumulated (the kernel resets its counters on every read); guarded by socketLock.
    private long kernelPackets;
    private long kernelDrops;

    /**
     * A channel on {@code interfaceName} in the current network namespace, sending to the broadcast address by
     * default.
     *
     * @throws ChannelException if the socket cannot be opened; the message says why and what to do
     */
    public PacketFsEthernetChannel(String interfaceName) {
        this(interfaceName, PacketFsMacAddress.BROADCAST, null);
    }

    /**
     * A channel on {@code interfaceName}.
     *
     * @param defaultPeer where plain {@link ByteBuf} writes go ({@link PacketFsMacAddress#BROADCAST}: every station)
     * @param netns       the network namespace of the interface: a name under /var/run/netns, or null for the current
     *                    one; the socket is created there and stays there
     * @throws ChannelException if the socket cannot be opened; the message says why and what to do
     * @throws IllegalArgumentException if {@code interfaceName} is not an interface name
     */
    public PacketFsEthernetChannel(String interfaceName, PacketFsMacAddress defaultPeer, String netns) {
        super(null);
        this.interfaceName = ObjectUtil.checkNotNull(interfaceName, "interfaceName");
        this.defaultPeer = ObjectUtil.checkNotNull(defaultPeer, "defaultPeer");
        this.netns = netns;
        PacketFsEthernet.ensureAvailability();

        PacketFsPacketSocket opened;
        try {
            opened = PacketFsNetns.call(netns, () -> PacketFsPacketSocket.open(interfaceName, ETHER_TYPE, netns));
        } catch (UncheckedIOException e) {
            throw new ChannelException(e.getCause().getMessage(), e.getCause());
        }
        socket = LinuxSocket.newSocket(opened.fd());
        boolean success = false;
        try {
            ifindex = opened.ifindex();
            mtu = opened.mtu();
            frameCapacity = mtu + HEADER_LENGTH + VLAN_TAG_LENGTH;
            interfaceMacBytes = opened.mac();
            interfaceMac = PacketFsMacAddress.of(interfaceMacBytes);
            local = new EthernetAddress(interfaceName, interfaceMac);
            remote = new EthernetAddress(interfaceName, defaultPeer);
            config = new PacketFsEthernetChannelConfig(this, frameCapacity);
            try {
                config.setReceiveBufferSize(DEFAULT_RECEIVE_BUFFER_SIZE);
            } catch (ChannelException ignored) {
                // Keep the kernel's default; SO_RCVBUF can still be set as an option.
            }
            try {
                config.setQdiscBypass(PacketFsEthernetChannelConfig.DEFAULT_QDISC_BYPASS);
            } catch (ChannelException ignored) {
                // An old kernel: frames take the qdisc path, which works the same, only slower.
            }
            success = true;
        } finally {
            if (!success) {
                closeSocketQuietly();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- public API

    /** The interface name. */
    public String interfaceName() {
        return interfaceName;
    }

    /** The network namespace given to the constructor, or null for the current one. */
    public String netns() {
        return netns;
    }

    /** The interface index (in the socket's network namespace). */
    public int ifindex() {
        return ifindex;
    }

    /** The interface's MAC address: the source of every frame sent. */
    public PacketFsMacAddress interfaceMac() {
        return interfaceMac;
    }

    /** Where plain {@link ByteBuf} writes go. */
    public PacketFsMacAddress defaultPeer() {
        return defaultPeer;
    }

    /** The interface MTU when the channel opened: the largest payload a frame can carry. */
    public int mtu() {
        return mtu;
    }

    /** This end: the interface and its MAC. */
    @Override
    public EthernetAddress localAddress() {
        return local;
    }

    /** The default peer, on this channel's interface. */
    @Override
    public EthernetAddress remoteAddress() {
        return remote;
    }

    @Override
    public PacketFsEthernetChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    /** True while open: the socket is bound from construction on. */
    @Override
    public boolean isActive() {
        return socket.isOpen();
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    /**
     * Receive frames sent to multicast {@code group} from now on (PACKET_ADD_MEMBERSHIP: the interface accepts the
     * address, and this channel delivers its frames). Broadcast is always received and needs no joining.
     *
     * @throws IllegalArgumentException if {@code group} is not a group address
     * @throws ChannelException if the kernel refuses
     */
    public void joinGroup(PacketFsMacAddress group) {
        checkGroup(group);
        if (group.isBroadcast()) {
            return;
        }
        synchronized (socketLock) {
            membership(PACKET_ADD_MEMBERSHIP, group);
            PacketFsMacAddress[] current = groups;
            if (!Arrays.asList(current).contains(group)) {
                PacketFsMacAddress[] next = Arrays.copyOf(current, current.length + 1);
                next[current.length] = group;
                groups = next;
            }
        }
    }

    /** Stop receiving frames sent to multicast {@code group}; nothing happens if it was not joined. */
    public void leaveGroup(PacketFsMacAddress group) {
        checkGroup(group);
        synchronized (socketLock) {
            PacketFsMacAddress[] current = groups;
            int index = Arrays.asList(current).indexOf(group);
            if (index < 0) {
                return;
            }
            PacketFsMacAddress[] next = new PacketFsMacAddress[current.length - 1];
            System.arraycopy(current, 0, next, 0, index);
            System.arraycopy(current, index + 1, next, index, next.length - index);
            groups = next;
            if (socket.isOpen()) {
                membership(PACKET_DROP_MEMBERSHIP, group);
            }
        }
    }

    /**
     * Frames the kernel queued for this socket, including the ones it dropped (PACKET_STATISTICS tp_packets,
     * cumulative since the channel opened).
     */
    public long kernelPackets() {
        synchronized (socketLock) {
            pollKernelStatistics();
            return kernelPackets;
        }
    }

    /**
     * Frames the kernel dropped because the receive buffer was full (PACKET_STATISTICS tp_drops, cumulative since the
     * channel opened). Raise SO_RCVBUF, or send slower, when it grows.
     */
    public long kernelDrops() {
        synchronized (socketLock) {
            pollKernelStatistics();
            return kernelDrops;
        }
    }

    /**
     * Binds {@link #kernelDrops()} to {@code packetfs_drops_total{source="kernel"}} (read about once a second by a
     * {@code PacketFsMetricsHandler} of packetfs-metrics in this channel's pipeline).
     */
    @Override
    public void bindMeters(PacketFsMeterBinder binder) {
        binder.counter(PacketFsMetricNames.DROPS, this::kernelDrops, "source", "kernel");
    }

    /**
     * True if outbound frames go through a PACKET_MMAP TX ring, false if through one {@code send} each (the option
     * was off, or the kernel refused the ring). Decided when the channel registers.
     */
    public boolean isTxRing() {
        return txRing != null;
    }

    /**
     * True if inbound frames come from a PACKET_MMAP RX ring, false if from one {@code recv} each (the option was off,
     * or the kernel refused the ring). Decided when the channel registers.
     */
    public boolean isRxRing() {
        return rxRing != null;
    }

    /**
     * The number of slots of the RX ring: at most this many frames wait for the application, the kernel drops the
     * next ones (counted in {@link #kernelDrops()}). 0 without an RX ring.
     */
    public int rxRingFrames() {
        PacketFsPacketRing rx = rxRing;
        return rx == null ? 0 : rx.frames();
    }

    /** Frames fired through the pipeline. */
    public long framesReceived() {
        return framesReceived;
    }

    /** Frames handed to the kernel. */
    public long framesSent() {
        return framesSent;
    }

    /** Frames received for another station (unicast to another MAC, or a multicast group not joined): dropped. */
    public long framesIgnored() {
        return framesIgnored;
    }

    /** Frames received with no payload, or too large for the receive buffer: dropped. */
    public long invalidFrames() {
        return invalidFrames;
    }

    /** Frames whose send failed (their promise failed with the error). */
    public long sendErrors() {
        return sendErrors;
    }

    // ---------------------------------------------------------------------------------------------- AbstractChannel

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new EthernetUnsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop && ((IoEventLoop) loop).isCompatible(EthernetUnsafe.class);
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        if (!ringsDecided) {
            setUpRings();
        }
        ((IoEventLoop) eventLoop()).register((EthernetUnsafe) unsafe()).addListener(f -> {
            if (!f.isSuccess()) {
                promise.setFailure(f.cause());
                return;
            }
            IoRegistration r = (IoRegistration) f.getNow();
            try {
                r.submit(ops);
            } catch (RuntimeException e) {
                r.cancel();
                promise.setFailure(e);
                return;
            }
            registration = r;
            promise.setSuccess();
        });
    }

    /** Bound at construction: accepts only {@link #localAddress()} (a no-op). */
    @Override
    protected void doBind(SocketAddress localAddress) {
        if (!local.equals(localAddress)) {
            throw new UnsupportedOperationException("a " + StringUtil.simpleClassName(this) + " is bound to "
                    + local + " when constructed; register it instead of binding it to " + localAddress);
        }
    }

    /** Closes: there is no connection to undo. */
    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        readPending = false;
        try {
            doDeregister();
        } finally {
            synchronized (socketLock) {
                pollKernelStatistics();
                socket.close();
            }
            PacketFsPacketRings r = rings;
            if (r != null) {
                rings = null;
                txRing = null;
                rxRing = null;
                r.close();
            }
            if (scratch != null) {
                scratch.release();
                scratch = null;
            }
        }
    }

    @Override
    protected void doDeregister() {
        IoRegistration r = registration;
        if (r != null) {
            registration = null;
            ops = INITIAL_OPS;
            r.cancel();
        }
    }

    @Override
    protected void doBeginRead() {
        readPending = true;
        setFlag(EpollIoOps.EPOLLIN);
    }

    /**
     * Checks the message: a {@link PacketFsEthernetFrame}, or a plain {@link ByteBuf} that becomes a frame to the
     * default peer. Refuses empty and oversized payloads and other message types. The Ethernet header is written when
     * the frame is sent, straight into the TX ring slot (or into one reused buffer without a ring): no copy here.
     */
    @Override
    protected Object filterOutboundMessage(Object msg) {
        ByteBuf payload;
        if (msg instanceof PacketFsEthernetFrame) {
            payload = ((PacketFsEthernetFrame) msg).content();
        } else if (msg instanceof ByteBuf) {
            payload = (ByteBuf) msg;
        } else {
            throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                    + EXPECTED_TYPES);
        }
        int length = payload.readableBytes();
        if (length == 0) {
            throw new IllegalArgumentException("empty payload: a PacketFS Ethernet frame carries at least 1 byte");
        }
        if (length > mtu) {
            throw new IllegalArgumentException("payload of " + length + " bytes exceeds the MTU of " + interfaceName
                    + " (" + mtu + " bytes): send frames of at most " + mtu + " bytes (PacketFsConfig"
                    + ".maxFrameLength) or raise the MTU (ip link set " + interfaceName + " mtu N)");
        }
        return msg instanceof PacketFsEthernetFrame ? msg : new PacketFsEthernetFrame(defaultPeer, payload);
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        if (txRing != null) {
            doWriteRing(in);
        } else {
            doWriteSend(in);
        }
    }

    /**
     * Without a TX ring: sends frames until the outbound buffer is empty or the socket says EAGAIN (then waits for
     * EPOLLOUT). After {@code maxMessagesPerWrite} frames it lets the event loop run other work and goes on in a task.
     */
    private void doWriteSend(ChannelOutboundBuffer in) {
        int budget = maxMessagesPerWrite();
        while (budget > 0) {
            Object msg = in.current();
            if (msg == null) {
                clearFlag(EpollIoOps.EPOLLOUT);
                return;
            }
            if (!(msg instanceof PacketFsEthernetFrame)) {
                in.remove(); // a cancelled write
                continue;
            }
            int sent;
            try {
                sent = send(frame((PacketFsEthernetFrame) msg));
            } catch (IOException e) {
                sendErrors++;
                in.remove(new IOException("sending a frame on " + interfaceName + " failed: " + e.getMessage(), e));
                budget--;
                continue;
            }
            if (sent == 0) {
                setFlag(EpollIoOps.EPOLLOUT);
                return;
            }
            framesSent++;
            in.remove();
            budget--;
        }
        if (in.isEmpty()) {
            clearFlag(EpollIoOps.EPOLLOUT);
        } else {
            eventLoop().execute(flushTask);
        }
    }

    /** The whole frame, header included, in the reused {@link #scratch} buffer. */
    private ByteBuf frame(PacketFsEthernetFrame msg) {
        ByteBuf frame = scratch;
        if (frame == null) {
            scratch = frame = alloc().directBuffer(frameCapacity);
        }
        frame.clear();
        writeHeader(frame, 0, msg.destination());
        ByteBuf payload = msg.content();
        int length = payload.readableBytes();
        frame.setBytes(HEADER_LENGTH, payload, payload.readerIndex(), length);
        frame.writerIndex(HEADER_LENGTH + length);
        return frame;
    }

    private void writeHeader(ByteBuf buf, int index, PacketFsMacAddress destination) {
        for (int i = 0; i < PacketFsMacAddress.LENGTH; i++) {
            buf.setByte(index + DESTINATION_OFFSET + i, destination.byteAt(i));
        }
        buf.setBytes(index + SOURCE_OFFSET, interfaceMacBytes);
        buf.setShort(index + ETHER_TYPE_OFFSET, ETHER_TYPE);
    }

    /**
     * With a TX ring: writes up to {@link #TX_BATCH} frames into free slots, then one {@code send} transmits them
     * (the kernel walks the slots marked SEND_REQUEST). The promises complete after that {@code send}: failed ones
     * (the kernel left the slots marked) with its error, the slots taken back. When the ring is full, or the kernel
     * could not take everything (send buffer full), waits for EPOLLOUT.
     */
    private void doWriteRing(ChannelOutboundBuffer in) {
        int budget = maxMessagesPerWrite();
        for (;;) {
            RingWriter writer = ringWriter;
            writer.limit = Math.min(budget, TX_BATCH);
            writer.count = 0;
            writer.full = false;
            try {
                in.forEachFlushedMessage(writer);
            } catch (Exception e) {
                throw new IllegalStateException(e); // the writer throws nothing
            }
            int n = writer.count;
            budget -= n;
            if (n > 0 || txPending) {
                kick(in, n);
            }
            if (txPending) {
                setFlag(EpollIoOps.EPOLLOUT);
                return;
            }
            if (in.isEmpty()) {
                clearFlag(EpollIoOps.EPOLLOUT);
                return;
            }
            if (writer.full && txRing.status(txRing.head()) != TP_STATUS_AVAILABLE) {
                // Every slot is in flight: the kernel frees them as the frames leave, and says so with EPOLLOUT.
                setFlag(EpollIoOps.EPOLLOUT);
                return;
            }
            if (budget <= 0) {
                eventLoop().execute(flushTask);
                return;
            }
        }
    }

    /** Writes one frame into the next TX slot; false if that slot is still in use. */
    private boolean putTx(PacketFsEthernetFrame msg) {
        PacketFsPacketRing tx = txRing;
        int slot = tx.head();
        if (tx.status(slot) != TP_STATUS_AVAILABLE) {
            return false;
        }
        ByteBuf memory = rings.buffer();
        int data = slot + TPACKET2_TX_DATA_OFFSET;
        writeHeader(memory, data, msg.destination());
        ByteBuf payload = msg.content();
        int length = payload.readableBytes();
        memory.setBytes(data + HEADER_LENGTH, payload, payload.readerIndex(), length);
        tx.putInt(slot + TP_LEN_OFFSET, HEADER_LENGTH + length);
        tx.publish(slot, TP_STATUS_SEND_REQUEST);
        tx.advance();
        return true;
    }

    /**
     * One {@code send} with no data: the kernel transmits the slots marked SEND_REQUEST. Completes the {@code n}
     * frames just written (removing them from {@code in}); on an error takes back the slots the kernel left marked and
     * fails the frames they held.
     */
    private void kick(ChannelOutboundBuffer in, int n) {
        try {
            socket.sendAddress(rings.address(), 0, 0);
        } catch (IOException e) {
            int reclaimed = reclaimTx();
            int failed = Math.min(reclaimed, n);
            sendErrors += reclaimed - failed; // written in an earlier round, promises already complete
            txPending = false;
            complete(in, n - failed, null);
            complete(in, failed, new IOException("sending a frame on " + interfaceName + " failed: "
                    + e.getMessage(), e));
            return;
        }
        // EAGAIN (0 above) or a partial send: the kernel leaves the rest marked, for the next send.
        txPending = txRing.status(txRing.previous()) == TP_STATUS_SEND_REQUEST;
        complete(in, n, null);
    }

    /** Takes back the slots still marked SEND_REQUEST (the newest ones): returns how many. */
    private int reclaimTx() {
        PacketFsPacketRing tx = txRing;
        int reclaimed = 0;
        while (reclaimed < tx.frames() && tx.status(tx.previous()) == TP_STATUS_SEND_REQUEST) {
            tx.publish(tx.previous(), TP_STATUS_AVAILABLE);
            tx.retreat();
            reclaimed++;
        }
        return reclaimed;
    }

    /** Removes {@code frames} frames from {@code in} (and cancelled writes among them): sent, or failed. */
    private void complete(ChannelOutboundBuffer in, int frames, IOException cause) {
        while (frames > 0) {
            Object msg = in.current();
            if (msg == null) {
                return;
            }
            if (msg instanceof PacketFsEthernetFrame) {
                frames--;
                if (cause == null) {
                    framesSent++;
                    in.remove();
                } else {
                    sendErrors++;
                    in.remove(cause);
                }
            } else {
                in.remove(); // a cancelled write
            }
        }
    }

    /** EPOLLOUT with frames still marked in the TX ring: sends them. */
    private void kickPending() {
        ChannelOutboundBuffer in = unsafe().outboundBuffer();
        if (in != null) {
            kick(in, 0);
        }
        if (!txPending && (in == null || in.isEmpty())) {
            clearFlag(EpollIoOps.EPOLLOUT);
        }
    }

    /**
     * Set-up (once, when registering): the RX and TX rings, unless switched off or refused. If the kernel refuses
     * both, the TX ring alone is tried (receiving then uses {@code recv}); if it refuses that too, frames take the
     * {@code send} / {@code recv} paths.
     */
    private void setUpRings() {
        ringsDecided = true;
        if (!config.isPacketMmap()) {
            return;
        }
        PacketFsPacketRings opened = openRings(RX_RING_BYTES, TX_RING_BYTES);
        if (opened == null) {
            opened = openRings(0, TX_RING_BYTES);
        }
        if (opened != null) {
            rings = opened;
            rxRing = opened.rx();
            txRing = opened.tx();
        }
    }

    private PacketFsPacketRings openRings(int rxBytes, int txBytes) {
        try {
            return PacketFsPacketRings.open(socket.intValue(), frameCapacity, rxBytes, txBytes);
        } catch (PacketFsErrnoException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** True once the channel registered: PACKET_MMAP is decided. */
    boolean ringsDecided() {
        return ringsDecided;
    }

    // ---------------------------------------------------------------------------------------------- internals

    LinuxSocket socket() {
        return socket;
    }

    /** From the config: autoRead was switched off. */
    void autoReadCleared() {
        if (!isRegistered()) {
            readPending = false;
            ops = ops.without(EpollIoOps.EPOLLIN);
            return;
        }
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            clearReadInterest();
        } else {
            loop.execute(() -> {
                if (!readPending && !config.isAutoRead()) {
                    clearReadInterest();
                }
            });
        }
    }

    private void clearReadInterest() {
        readPending = false;
        clearFlag(EpollIoOps.EPOLLIN);
    }

    private void setFlag(EpollIoOps flag) {
        if (ops.contains(flag)) {
            return;
        }
        ops = ops.with(flag);
        IoRegistration r = registration;
        if (r != null) {
            r.submit(ops);
        }
    }

    private void clearFlag(EpollIoOps flag) {
        if (!ops.contains(flag)) {
            return;
        }
        ops = ops.without(flag);
        IoRegistration r = registration;
        if (r != null) {
            r.submit(ops);
        }
    }

    private int send(ByteBuf frame) throws IOException {
        if (frame.hasMemoryAddress()) {
            return socket.sendAddress(frame.memoryAddress(), frame.readerIndex(), frame.writerIndex());
        }
        ByteBuffer nio = frame.internalNioBuffer(frame.readerIndex(), frame.readableBytes());
        return socket.send(nio, nio.position(), nio.limit());
    }

    private int receive(ByteBuf buf) throws IOException {
        int writerIndex = buf.writerIndex();
        int limit = writerIndex + buf.writableBytes();
        int n;
        if (buf.hasMemoryAddress()) {
            n = socket.recvAddress(buf.memoryAddress(), writerIndex, limit);
        } else {
            ByteBuffer nio = buf.internalNioBuffer(writerIndex, limit - writerIndex);
            n = socket.recv(nio, nio.position(), nio.limit());
        }
        if (n > 0) {
            buf.writerIndex(writerIndex + n);
        }
        return n;
    }

    /**
     * Turns {@code length} received bytes into a frame, or returns null (and releases {@code buf}) when the frame is
     * dropped. The frame owns {@code buf}.
     */
    private PacketFsEthernetFrame decode(ByteBuf buf, int length, int capacity) {
        if (length <= HEADER_LENGTH || length >= capacity
                || buf.getUnsignedShort(buf.readerIndex() + ETHER_TYPE_OFFSET) != ETHER_TYPE) {
            // No payload, or the frame filled the buffer and may have been cut, or (impossible once bound) another
            // EtherType.
            invalidFrames++;
            buf.release();
            return null;
        }
        int header = buf.readerIndex();
        PacketFsMacAddress destination = destination(buf, header);
        if (destination == null) {
            framesIgnored++;
            buf.release();
            return null;
        }
        PacketFsMacAddress source = source(buf, header);
        buf.skipBytes(HEADER_LENGTH);
        return new PacketFsEthernetFrame(destination, source, buf);
    }

    /**
     * RX ring: turns the frame in the ring slot at {@code slot} into a frame whose payload is a copy in a buffer of
     * {@code allocator}, or returns null when the frame is dropped (counted). The slot stays the caller's to hand back.
     *
     * <pre>
     * slot: | tpacket2_hdr (tp_status, tp_len, tp_snaplen, tp_mac...) | ... | Ethernet header | payload | ... |
     *       ^ slot                                                          ^ slot + tp_mac    ^ + 14
     *                                                                       |&lt;---- tp_snaplen ----------&gt;|
     * </pre>
     */
    private PacketFsEthernetFrame decodeSlot(PacketFsPacketRing rx, int slot, ByteBufAllocator allocator) {
        int wireLength = rx.getInt(slot + TP_LEN_OFFSET);
        int length = rx.getInt(slot + TP_SNAPLEN_OFFSET);
        int header = slot + rx.getUnsignedShort(slot + TP_MAC_OFFSET);
        ByteBuf memory = rings.buffer();
        if (length <= HEADER_LENGTH || wireLength > length || header + length > slot + rx.frameSize()
                || memory.getUnsignedShort(header + ETHER_TYPE_OFFSET) != ETHER_TYPE) {
            // No payload, or cut to fit the slot (tp_len > tp_snaplen; the slots are sized so that it cannot happen),
            // or (impossible once bound) another EtherType.
            invalidFrames++;
            return null;
        }
        PacketFsMacAddress destination = destination(memory, header);
        if (destination == null) {
            framesIgnored++;
            return null;
        }
        PacketFsMacAddress source = source(memory, header);
        int payloadLength = length - HEADER_LENGTH;
        ByteBuf payload = allocator.directBuffer(payloadLength);
        boolean success = false;
        try {
            payload.writeBytes(memory, header + HEADER_LENGTH, payloadLength);
            success = true;
        } finally {
            if (!success) {
                payload.release();
            }
        }
        return new PacketFsEthernetFrame(destination, source, payload);
    }

    /** The source of the frame whose header starts at {@code header}; allocates only when it changes. */
    private PacketFsMacAddress source(ByteBuf buf, int header) {
        PacketFsMacAddress source = lastSource;
        if (source == null || !equalsAt(buf, header + SOURCE_OFFSET, source)) {
            byte[] bytes = new byte[PacketFsMacAddress.LENGTH];
            buf.getBytes(header + SOURCE_OFFSET, bytes);
            lastSource = source = PacketFsMacAddress.of(bytes);
        }
        return source;
    }

    /**
     * The destination of the frame whose header starts at {@code header} if it is this station (own MAC, broadcast,
     * joined group), else null. No allocation.
     */
    private PacketFsMacAddress destination(ByteBuf buf, int header) {
        int index = header + DESTINATION_OFFSET;
        if (equalsAt(buf, index, interfaceMac)) {
            return interfaceMac;
        }
        if ((buf.getByte(index) & 1) == 0) {
            return null;
        }
        if (equalsAt(buf, index, PacketFsMacAddress.BROADCAST)) {
            return PacketFsMacAddress.BROADCAST;
        }
        for (PacketFsMacAddress group : groups) {
            if (equalsAt(buf, index, group)) {
                return group;
            }
        }
        return null;
    }

    /** True if the 6 bytes of {@code buf} at absolute index {@code base} are {@code address}. */
    private static boolean equalsAt(ByteBuf buf, int base, PacketFsMacAddress address) {
        for (int i = 0; i < PacketFsMacAddress.LENGTH; i++) {
            if ((buf.getByte(base + i) & 0xFF) != address.byteAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static void checkGroup(PacketFsMacAddress group) {
        ObjectUtil.checkNotNull(group, "group");
        if (!group.isGroup()) {
            throw new IllegalArgumentException(group + " is not a group address (the low bit of its first byte is 0)");
        }
    }

    /** Guarded by socketLock. */
    private void membership(int option, PacketFsMacAddress group) {
        ByteBuffer mreq = ByteBuffer.allocate(PACKET_MREQ_LENGTH).order(ByteOrder.nativeOrder());
        mreq.putInt(PACKET_MREQ_IFINDEX_OFFSET, ifindex);
        mreq.putShort(PACKET_MREQ_TYPE_OFFSET, (short) PACKET_MR_MULTICAST);
        mreq.putShort(PACKET_MREQ_ALEN_OFFSET, (short) PacketFsMacAddress.LENGTH);
        for (int i = 0; i < PacketFsMacAddress.LENGTH; i++) {
            mreq.put(PACKET_MREQ_ADDRESS_OFFSET + i, (byte) group.byteAt(i));
        }
        try {
            socket.setRawOpt(SOL_PACKET, option, mreq);
        } catch (IOException e) {
            throw new ChannelException((option == PACKET_ADD_MEMBERSHIP ? "joining " : "leaving ") + group + " on "
                    + interfaceName + " failed: " + e.getMessage(), e);
        }
    }

    /** Guarded by socketLock. Adds the kernel's counters (which it resets on every read) to the totals. */
    private void pollKernelStatistics() {
        if (!socket.isOpen()) {
            return;
        }
        ByteBuffer stats = ByteBuffer.allocate(TPACKET_STATS_LENGTH).order(ByteOrder.nativeOrder());
        try {
            socket.getRawOpt(SOL_PACKET, PACKET_STATISTICS, stats);
        } catch (IOException e) {
            return;
        }
        kernelPackets += stats.getInt(TPACKET_STATS_PACKETS_OFFSET) & 0xFFFF_FFFFL;
        kernelDrops += stats.getInt(TPACKET_STATS_DROPS_OFFSET) & 0xFFFF_FFFFL;
    }

    private void closeSocketQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Linux releases the descriptor even when close reports an error.
        }
    }

    /** The unsafe is the channel's {@link EpollIoHandle}: the event loop calls {@link #handle} with epoll events. */
    private final class EthernetUnsafe extends AbstractUnsafe implements EpollIoHandle {

        @Override
        public FileDescriptor fd() {
            return socket;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            int ready = ((EpollIoEvent) event).ops().value();
            try {
                if ((ready & EPOLLERR) != 0) {
                    socketError();
                    if (!isOpen()) {
                        return;
                    }
                }
                if ((ready & EPOLLOUT) != 0) {
                    if (txPending) {
                        kickPending();
                    }
                    forceFlush();
                }
                if ((ready & EPOLLIN) != 0) {
                    epollInReady();
                }
            } catch (RuntimeException e) {
                // Never let an exception reach the event loop, which would log it and pause for a second.
                pipeline().fireExceptionCaught(e);
            }
        }

        /** Called by the event loop when it shuts down. */
        @Override
        public void close() {
            close(voidPromise());
        }

        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            if (!promise.setUncancellable()) {
                return;
            }
            safeSetFailure(promise, new UnsupportedOperationException("a " + StringUtil.simpleClassName(
                    PacketFsEthernetChannel.class) + " has no connection: name the destination of each "
                    + StringUtil.simpleClassName(PacketFsEthernetFrame.class) + ", or the default peer when "
                    + "constructing the channel"));
        }

        @Override
        protected void flush0() {
            // While EPOLLOUT is pending the event loop flushes once the socket is writable again.
            if (!ops.contains(EpollIoOps.EPOLLOUT)) {
                super.flush0();
            }
        }

        void forceFlush() {
            super.flush0();
        }

        /**
         * EPOLLERR: reads and clears SO_ERROR and reports it. The kernel says ENETDOWN both when the interface goes
         * down (reception resumes when it comes back up) and when it is deleted or moved to another namespace (the
         * socket is then detached for good): one ioctl, on this error path only, tells which, and a channel whose
         * interface is gone closes.
         */
        private void socketError() {
            int error;
            try {
                error = socket.getSoError();
            } catch (IOException e) {
                return;
            }
            if (error == 0) {
                return;
            }
            IOException cause = Errors.newIOException("SO_ERROR", -error);
            boolean gone = (error == ERRNO_ENETDOWN || error == ERRNO_ENODEV)
                    && PacketFsPacketSocket.ifindexOf(socket.intValue(), interfaceName) != ifindex;
            String message;
            if (gone) {
                message = "interface " + interfaceName + " is gone (deleted, or moved to another network namespace): "
                        + "closing the channel";
            } else if (error == ERRNO_ENETDOWN) {
                message = "interface " + interfaceName + " went down: frames flow again once it is up (ip link set "
                        + interfaceName + " up)";
            } else {
                message = "socket error on interface " + interfaceName;
            }
            pipeline().fireExceptionCaught(new IOException(message + " [" + cause.getMessage() + "]", cause));
            if (gone) {
                close(voidPromise());
            }
        }

        private void epollInReady() {
            ChannelConfig config = config();
            if (!readPending && !config.isAutoRead()) {
                clearReadInterest();
                return;
            }
            if (rxRing != null) {
                epollInReadyRing(config);
                return;
            }
            ChannelPipeline pipeline = pipeline();
            ByteBufAllocator allocator = config.getAllocator();
            // Every allocator Netty ships hands out ExtendedHandles (Netty's own epoll channels cast the same way).
            RecvByteBufAllocator.ExtendedHandle handle = (RecvByteBufAllocator.ExtendedHandle) recvBufAllocHandle();
            handle.reset(config);
            Throwable error = null;
            int dropped = 0;
            try {
                for (;;) {
                    if (!socket.isOpen()) {
                        break;
                    }
                    ByteBuf buf = allocator.directBuffer(Math.max(handle.guess(), frameCapacity));
                    int capacity = buf.writableBytes();
                    int n;
                    try {
                        handle.attemptedBytesRead(capacity);
                        n = receive(buf);
                    } catch (Throwable t) {
                        buf.release();
                        throw t;
                    }
                    if (n <= 0) {
                        buf.release();
                        handle.lastBytesRead(0);
                        break;
                    }
                    PacketFsEthernetFrame frame = decode(buf, n, capacity);
                    if (frame == null) {
                        // A dropped frame does not count as a read: without autoRead, read() still delivers one
                        // message. Bounded, so that a flood of foreign frames cannot hold the event loop.
                        if (++dropped >= MAX_DROPPED_PER_WAKEUP) {
                            break;
                        }
                        continue;
                    }
                    if (!deliver(handle, pipeline, frame, n)) {
                        break;
                    }
                }
            } catch (Throwable t) {
                error = t;
            }
            readDone(handle, pipeline, config, error);
        }

        /** Fires one received frame; returns whether the read loop may go on (the allocator's message limit). */
        private boolean deliver(RecvByteBufAllocator.ExtendedHandle handle, ChannelPipeline pipeline,
                                PacketFsEthernetFrame frame, int bytes) {
            handle.lastBytesRead(bytes);
            handle.incMessagesRead(1);
            readPending = false;
            framesReceived++;
            pipeline.fireChannelRead(frame);
            // Frames are datagrams: a short read says nothing about what is left; only the count limits.
            return handle.continueReading(UncheckedBooleanSupplier.TRUE_SUPPLIER);
        }

        /** The end of a read loop, on either path: read complete, the error if any, read interest without autoRead. */
        private void readDone(RecvByteBufAllocator.ExtendedHandle handle, ChannelPipeline pipeline,
                              ChannelConfig config, Throwable error) {
            handle.readComplete();
            pipeline.fireChannelReadComplete();
            if (error != null) {
                pipeline.fireExceptionCaught(error);
            }
            if (!readPending && !config.isAutoRead() && isOpen()) {
                clearReadInterest();
            }
        }

        /**
         * EPOLLIN with an RX ring (the kernel reports it while the newest slot it filled is still the application's):
         * walks the slots marked TP_STATUS_USER in ring order, copies each payload out, hands the slot back
         * (TP_STATUS_KERNEL, a release write after the reads) and fires the frame. No system call. Stops at the first
         * slot still the kernel's, or where the allocator's message limit (and autoRead / read()) says: the slots left
         * keep EPOLLIN raised, so the next wake-up or {@code read()} goes on from there.
         */
        private void epollInReadyRing(ChannelConfig config) {
            ChannelPipeline pipeline = pipeline();
            ByteBufAllocator allocator = config.getAllocator();
            RecvByteBufAllocator.ExtendedHandle handle = (RecvByteBufAllocator.ExtendedHandle) recvBufAllocHandle();
            handle.reset(config);
            Throwable error = null;
            int dropped = 0;
            try {
                for (;;) {
                    // Null once closed, maybe by a handler of the frame just fired: the mapping is gone then.
                    PacketFsPacketRing rx = rxRing;
                    if (rx == null) {
                        break;
                    }
                    int slot = rx.head();
                    if ((rx.status(slot) & TP_STATUS_USER) == 0) {
                        break;
                    }
                    PacketFsEthernetFrame frame;
                    try {
                        frame = decodeSlot(rx, slot, allocator);
                    } finally {
                        rx.publish(slot, TP_STATUS_KERNEL);
                        rx.advance();
                    }
                    if (frame == null) {
                        // As on the recv path: not a read, and bounded.
                        if (++dropped >= MAX_DROPPED_PER_WAKEUP) {
                            break;
                        }
                        continue;
                    }
                    int n = frame.content().readableBytes() + HEADER_LENGTH;
                    handle.attemptedBytesRead(n);
                    if (!deliver(handle, pipeline, frame, n)) {
                        break;
                    }
                }
            } catch (Throwable t) {
                error = t;
            }
            readDone(handle, pipeline, config, error);
        }
    }

    /** Writes flushed frames into the TX ring, up to {@code limit} or until the ring is full. */
    private final class RingWriter implements ChannelOutboundBuffer.MessageProcessor {
        int limit;
        int count;
        boolean full;

        @Override
        public boolean processMessage(Object msg) {
            if (count >= limit) {
                return false;
            }
            if (!(msg instanceof PacketFsEthernetFrame)) {
                return true;
            }
            if (!putTx((PacketFsEthernetFrame) msg)) {
                full = true;
                return false;
            }
            return ++count < limit;
        }
    }

    /** A {@link SocketAddress} for one end of an Ethernet segment: an interface name and a MAC address. */
    public static final class EthernetAddress extends SocketAddress {

        private static final long serialVersionUID = 1L;

        private final String interfaceName;
        private final PacketFsMacAddress mac;

        /** {@code mac} on {@code interfaceName}. */
        public EthernetAddress(String interfaceName, PacketFsMacAddress mac) {
            this.interfaceName = ObjectUtil.checkNotNull(interfaceName, "interfaceName");
            this.mac = ObjectUtil.checkNotNull(mac, "mac");
        }

        /** The interface name. */
        public String interfaceName() {
            return interfaceName;
        }

        /** The MAC address. */
        public PacketFsMacAddress mac() {
            return mac;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof EthernetAddress && interfaceName.equals(((EthernetAddress) o).interfaceName)
                    && mac.equals(((EthernetAddress) o).mac);
        }

        @Override
        public int hashCode() {
            return interfaceName.hashCode() * 31 + mac.hashCode();
        }

        @Override
        public String toString() {
            return interfaceName + '/' + mac;
        }
    }
}
