package io.packetfs.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * An Ethernet frame of EtherType 0x1337 as the raw channel sees it: destination and source MAC, and the PacketFS
 * payload (the Ethernet header is not part of the content). Inbound frames carry both addresses; outbound frames
 * name their destination (the source is always the interface's own address and is ignored here).
 * Reference counted through its payload.
 */
public final class PacketFsEthernetFrame extends DefaultByteBufHolder {

    private final PacketFsMacAddress destination;
    private final PacketFsMacAddress source;

    /** A frame for {@code destination}; takes ownership of {@code payload}. */
    public PacketFsEthernetFrame(PacketFsMacAddress destination, ByteBuf payload) {
        this(destination, null, payload);
    }

    /** A frame with both addresses; takes ownership of {@code payload}. */
    public PacketFsEthernetFrame(PacketFsMacAddress destination, PacketFsMacAddress source, ByteBuf payload) {
        super(payload);
        if (destination == null) {
            throw new NullPointerException("destination");
        }
        this.destination = destination;
        this.source = source;
    }

    /** Destination MAC. */
    public PacketFsMacAddress destination() {
        return destination;
    }

    /** Source MAC, or null on an outbound frame. */
    public PacketFsMacAddress source() {
        return source;
    }

    @Override
    public PacketFsEthernetFrame replace(ByteBuf content) {
        return new PacketFsEthernetFrame(destination, source, content);
    }

    @Override
    public PacketFsEthernetFrame retain() {
        super.retain();
        return this;
    }

    @Override
    public PacketFsEthernetFrame retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public PacketFsEthernetFrame touch() {
        super.touch();
        return this;
    }

    @Override
    public PacketFsEthernetFrame touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "PacketFsEthernetFrame(" + source + " -> " + destination + ", " + content().readableBytes() + " B)";
    }
}
