/**
 * PacketFS file transfer (docs/PROTOCOL.md 7) as a library: {@link io.packetfs.transfer.PacketFsFileSender} and
 * {@link io.packetfs.transfer.PacketFsFileReceiver} move one file between peers that hold the same pool, over a
 * channel the caller opens; {@link io.packetfs.transfer.PacketFsTransferConfig} holds the settings of both peers;
 * the result is a {@link io.packetfs.transfer.PacketFsTransferResult}, or a
 * {@link io.packetfs.transfer.PacketFsTransferException} that says why not;
 * {@link io.packetfs.transfer.PacketFsTransferUnits} builds and parses the session's control-unit bodies.
 */
package io.packetfs.transfer;
