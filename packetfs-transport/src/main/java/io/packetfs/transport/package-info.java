/**
 * PacketFS transports: {@link io.packetfs.transport.PacketFsEthernetChannel} (raw Ethernet frames of EtherType
 * 0x1337 on an AF_PACKET socket, registered on Netty's epoll event loop) and the UDP tunnel, both built by
 * {@link io.packetfs.transport.PacketFsTransports} with the same pipeline above a one-frame-per-ByteBuf adapter.
 * Where frames travel, and one-to-many delivery, are described in {@code docs/PROTOCOL.md} section 2.
 */
package io.packetfs.transport;
