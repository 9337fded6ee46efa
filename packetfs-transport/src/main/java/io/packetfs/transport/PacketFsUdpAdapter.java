package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.PacketFsReliability;

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
 * Not {@code @Sharable}: it remembers the last sender.
 */
public final class PacketFsUdpAdapter extends ChannelDuplexHandler {

    private final InetSocketAddress peer;
    private InetSocketAddress lastSender;
    private InetSocketAddress lockedPeer;
    private long datagramsIn;
    private long datagramsOut;
    private long foreignDatagrams;

    /** An adapter that sends to {@code peer}, or (when null) to the last sender. */
    public PacketFsUdpAdapter(InetSocketAddress peer) {
        this.peer = peer;
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
            ctx.write(new DatagramPacket((ByteBuf) msg, to), promise);
        } else {
            ctx.write(msg, promise);
        }
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
