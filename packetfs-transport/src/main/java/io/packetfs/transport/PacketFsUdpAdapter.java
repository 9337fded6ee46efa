package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.reliability.PacketFsReliability;

import java.net.InetSocketAddress;

/**
 * The bottom of a PacketFS pipeline on the UDP tunnel: one PacketFS frame per datagram. Inbound datagrams become
 * their payload {@link ByteBuf}; outbound {@link ByteBuf}s become datagrams to the peer: the configured one, or else
 * the sender of the last datagram received (so a server answers whoever spoke last). With a configured unicast
 * peer, datagrams from anyone else are dropped and counted ({@link #foreignDatagrams()}): a third party cannot
 * inject frames into a client's conversation. A server does the same once a {@link PacketFsReliability} handler
 * above has locked onto its peer's session (channel attribute {@link PacketFsReliability#PEER_LOCKED}): the sender of
 * the locking datagram becomes the only peer, so a third party cannot redirect the answers of a running session.
 * Everything above this adapter is the same on every transport.
 * <p>
 * <b>Segmentation offload</b> (Linux, epoll; {@link #PacketFsUdpAdapter(InetSocketAddress, boolean)}): frames written
 * with a void promise (the reliability handler's) between two flushes go out as one {@code UDP_SEGMENT} send of up
 * to {@value #MAX_SEGMENTS} datagrams, which the kernel cuts into datagrams of the first frame's size; a frame up to
 * {@value #MAX_PADDING} bytes shorter is padded with zeros to that size (padding after Frame Length is ignored,
 * docs/PROTOCOL.md 2; counted in {@link #paddingBytes()}), a shorter one ends the batch. Fewer than
 * {@value #MIN_SEGMENTS} frames between two flushes go out one datagram each: a queue that drops a packet drops a
 * segmented send whole, and at low rates the pacer releases two or three frames at a time (tbf 50 Mbit/s, 32 KB:
 * 1.029-1.030 of the file on the wire one by one, 1.032-1.035 in pairs, and no padding). On receive, Netty's epoll
 * channel splits what {@code UDP_GRO} coalesced back into one datagram per segment before this adapter sees it
 * (see {@link PacketFsTransports}). Either way the peer sees one frame per datagram, as without offload.
 * Not {@code @Sharable}: it remembers the last sender.
 */
public final class PacketFsUdpAdapter extends ChannelDuplexHandler {

    /** Datagrams per segmented send, at most (the kernel's UDP_MAX_SEGMENTS is 64 or more). */
    static final int MAX_SEGMENTS = 64;
    /** Bytes per segmented send, at most (one IP packet's payload, less headers). */
    static final int MAX_SEGMENTED_BYTES = 65_000;
    /** Frames that make a segmented send; fewer go out one datagram each. */
    static final int MIN_SEGMENTS = 4;
    /** A frame this much shorter than its batch's segment size is padded to it; a shorter one ends the batch. */
    static final int MAX_PADDING = 16;
    /** {@code PADDING[n]}: n zero bytes, shared, read-only and never released (no allocation per padded frame). */
    private static final ByteBuf[] PADDING = new ByteBuf[MAX_PADDING + 1];

    static {
        ByteBuf zeros = Unpooled.directBuffer(MAX_PADDING).writeZero(MAX_PADDING).asReadOnly();
        for (int n = 1; n <= MAX_PADDING; n++) {
            PADDING[n] = Unpooled.unreleasableBuffer(zeros.slice(0, n));
        }
    }

    private final InetSocketAddress peer;
    private final boolean segmentation;
    /** The first frames of a batch, until there are {@link #MIN_SEGMENTS}; then {@link #batch} holds them all. */
    private final ByteBuf[] first = new ByteBuf[MIN_SEGMENTS];
    private CompositeByteBuf batch;
    private InetSocketAddress batchTo;
    private int segmentSize;
    private int segments;
    private long segmentedSends;
    private long paddingBytes;
    private InetSocketAddress lastSender;
    private InetSocketAddress lockedPeer;
    private long datagramsIn;
    private long datagramsOut;
    private long foreignDatagrams;

    /** An adapter that sends to {@code peer}, or (when null) to the last sender. */
    public PacketFsUdpAdapter(InetSocketAddress peer) {
        this(peer, false);
    }

    /**
     * An adapter that sends to {@code peer}, or (when null) to the last sender, with segmentation offload when
     * {@code segmentation} (only for channels whose transport supports {@code UDP_SEGMENT}: Linux epoll).
     */
    public PacketFsUdpAdapter(InetSocketAddress peer, boolean segmentation) {
        this.peer = peer;
        this.segmentation = segmentation;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket) {
            DatagramPacket packet = (DatagramPacket) msg;
            InetSocketAddress from = packet.sender();
            if (lockedPeer != null ? !lockedPeer.equals(from)
                    : peer != null && !peer.getAddress().isMulticastAddress() && !peer.equals(from)) {
                foreignDatagrams++;
                packet.release();
                return;
            }
            lastSender = from;
            datagramsIn++;
            ctx.fireChannelRead(packet.content().retain());
            packet.release();
            if (lockedPeer == null && from != null
                    && Boolean.TRUE.equals(ctx.channel().attr(PacketFsReliability.PEER_LOCKED).get())) {
                lockedPeer = from; // the datagram just passed up is the one the session locked onto
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf) {
            InetSocketAddress to = currentPeer();
            if (to == null) {
                ReferenceCountUtil.release(msg);
                promise.tryFailure(new IllegalStateException(
                        "no UDP peer: give the tunnel a peer address, or wait until a peer has sent a frame"));
                return;
            }
            datagramsOut++;
            ByteBuf frame = (ByteBuf) msg;
            int size = frame.readableBytes();
            if (!segmentation || !promise.isVoid() || size == 0 || size > MAX_SEGMENTED_BYTES / 2) {
                sendBatch(ctx);
                ctx.write(new DatagramPacket(frame, to), promise);
                return;
            }
            if (segments > 0 && (size > segmentSize || segmentSize - size > MAX_PADDING || segments == MAX_SEGMENTS
                    || !to.equals(batchTo) || (long) (segments + 1) * segmentSize > MAX_SEGMENTED_BYTES)) {
                sendBatch(ctx);
            }
            if (segments == 0) {
                batchTo = to;
                segmentSize = size;
            }
            if (batch == null) {
                first[segments++] = frame;
                if (segments < MIN_SEGMENTS) {
                    return;
                }
                // enough for a segmented send: the frames so far, padded to the first one's size
                batch = ctx.alloc().compositeDirectBuffer(2 * MAX_SEGMENTS);
                for (int i = 0; i < segments; i++) {
                    addSegment(first[i]);
                    first[i] = null;
                }
            } else {
                addSegment(frame);
                segments++;
            }
        } else {
            sendBatch(ctx);
            ctx.write(msg, promise);
        }
    }

    private void addSegment(ByteBuf frame) {
        batch.addComponent(true, frame);
        int pad = segmentSize - frame.readableBytes();
        if (pad > 0) {
            batch.addComponent(true, PADDING[pad]); // read-only and never released: safe to share
            paddingBytes += pad;
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        sendBatch(ctx);
        ctx.flush();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (batch != null) {
            batch.release();
            batch = null;
        }
        for (int i = 0; i < first.length; i++) {
            if (first[i] != null) {
                first[i].release();
                first[i] = null;
            }
        }
        segments = 0;
    }

    private void sendBatch(ChannelHandlerContext ctx) {
        int n = segments;
        segments = 0;
        if (batch == null) {
            for (int i = 0; i < n; i++) { // too few for a segmented send: one datagram each, unpadded
                ctx.write(new DatagramPacket(first[i], batchTo), ctx.voidPromise());
                first[i] = null;
            }
            return;
        }
        ByteBuf content = batch;
        batch = null;
        segmentedSends++;
        ctx.write(new io.netty.channel.unix.SegmentedDatagramPacket(content, segmentSize, batchTo),
                ctx.voidPromise());
    }

    /** Sends of several datagrams at once (segmentation offload). */
    public long segmentedSends() {
        return segmentedSends;
    }

    /** Zero bytes added after frames so that a batch's datagrams have one size (segmentation offload). */
    public long paddingBytes() {
        return paddingBytes;
    }


    /** The peer frames go to now, or null if none is known yet. */
    public InetSocketAddress currentPeer() {
        if (peer != null) {
            return peer;
        }
        return lockedPeer != null ? lockedPeer : lastSender;
    }

    /** Datagrams received. */
    public long datagramsIn() {
        return datagramsIn;
    }

    /** Datagrams dropped because they did not come from the configured (or locked) peer. */
    public long foreignDatagrams() {
        return foreignDatagrams;
    }

    /** Datagrams sent. */
    public long datagramsOut() {
        return datagramsOut;
    }
}
