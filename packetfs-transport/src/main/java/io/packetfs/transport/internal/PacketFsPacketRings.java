package io.packetfs.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_LOSS;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_RX_RING;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_TX_RING;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.PACKET_VERSION;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.SOL_PACKET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TPACKET2_RX_MAC_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TPACKET_ALIGNMENT;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TPACKET_REQ_LENGTH;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TPACKET_V2;

/**
 * The PACKET_MMAP rings of one AF_PACKET socket (TPACKET_V2): an RX ring, a TX ring, or both, set up once with
 * {@code setsockopt} and one {@code mmap} through JNA, then used through {@link #buffer()} and the
 * {@link PacketFsPacketRing} views without any call per frame. The RX ring comes first in the mapping, the TX ring
 * after it, as the kernel lays them out.
 *
 * <p>Slots are {@code align16(66 + frameCapacity)} bytes, so an RX slot holds a frame of {@code frameCapacity} bytes
 * after the kernel's header and padding (tp_snaplen never cuts a frame the interface can carry), and a TX slot holds
 * 32 bytes of header and a frame of {@code frameCapacity} bytes. Blocks are 64 KiB (or one slot rounded up to pages,
 * for jumbo MTUs).
 */
public final class PacketFsPacketRings implements AutoCloseable {

    /** Preferred block size: 64 KiB, 16 pages. */
    private static final int BLOCK_SIZE = 64 * 1024;
    private static final int PAGE_SIZE = 4096;

    private final long address;
    private final long length;
    private final ByteBuf buffer;
    private final PacketFsPacketRing rx;
    private final PacketFsPacketRing tx;
    private boolean closed;

    private PacketFsPacketRings(long address, long length, ByteBuffer memory, PacketFsPacketRing rx,
                                PacketFsPacketRing tx) {
        this.address = address;
        this.length = length;
        this.buffer = Unpooled.wrappedBuffer(memory);
        this.rx = rx;
        this.tx = tx;
    }

    /**
     * Sets up the rings on socket {@code fd}: about {@code rxBytes} of RX ring and {@code txBytes} of TX ring (0: no
     * such ring), frames of up to {@code frameCapacity} bytes. On failure nothing is left set up (except
     * PACKET_VERSION, which is harmless without rings).
     *
     * @throws PacketFsErrnoException if the kernel refuses (no PACKET_MMAP, out of memory...)
     */
    public static PacketFsPacketRings open(int fd, int frameCapacity, int rxBytes, int txBytes)
            throws PacketFsErrnoException {
        int frameSize = align(TPACKET2_RX_MAC_OFFSET + frameCapacity, TPACKET_ALIGNMENT);
        int blockSize = frameSize <= BLOCK_SIZE ? BLOCK_SIZE : align(frameSize, PAGE_SIZE);
        int rxBlocks = rxBytes == 0 ? 0 : Math.max(1, rxBytes / blockSize);
        int txBlocks = txBytes == 0 ? 0 : Math.max(1, txBytes / blockSize);
        PacketFsLinux.setsockopt(fd, SOL_PACKET, PACKET_VERSION, intValue(TPACKET_V2));
        boolean rxSet = false;
        boolean txSet = false;
        boolean success = false;
        try {
            if (txBlocks > 0) {
                // A malformed frame (impossible here) is skipped instead of stopping the ring. Before any ring: the
                // kernel refuses the option (EBUSY) once one is set up.
                PacketFsLinux.setsockopt(fd, SOL_PACKET, PACKET_LOSS, intValue(1));
            }
            if (rxBlocks > 0) {
                PacketFsLinux.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, request(blockSize, rxBlocks, frameSize));
                rxSet = true;
            }
            if (txBlocks > 0) {
                PacketFsLinux.setsockopt(fd, SOL_PACKET, PACKET_TX_RING, request(blockSize, txBlocks, frameSize));
                txSet = true;
            }
            long rxLength = (long) blockSize * rxBlocks;
            long length = rxLength + (long) blockSize * txBlocks;
            if (length > Integer.MAX_VALUE) {
                throw new PacketFsErrnoException("rings of " + length + " bytes are too large", PacketFsLinux.EINVAL);
            }
            long address = PacketFsLinux.mmap(fd, length);
            ByteBuffer memory = PacketFsLinux.view(address, (int) length).order(ByteOrder.nativeOrder());
            PacketFsPacketRing rx = rxBlocks > 0 ? new PacketFsPacketRing(memory, 0, blockSize, rxBlocks, frameSize)
                    : null;
            PacketFsPacketRing tx = txBlocks > 0
                    ? new PacketFsPacketRing(memory, (int) rxLength, blockSize, txBlocks, frameSize) : null;
            success = true;
            return new PacketFsPacketRings(address, length, memory, rx, tx);
        } finally {
            if (!success) {
                byte[] none = new byte[TPACKET_REQ_LENGTH];
                if (rxSet) {
                    setQuietly(fd, PACKET_RX_RING, none);
                }
                if (txSet) {
                    setQuietly(fd, PACKET_TX_RING, none);
                }
            }
        }
    }

    /** The whole mapping as one buffer (absolute indexes are offsets in the mapping; never released). */
    public ByteBuf buffer() {
        return buffer;
    }

    /** The address of the mapping. */
    public long address() {
        return address;
    }

    /** The RX ring, or null. */
    public PacketFsPacketRing rx() {
        return rx;
    }

    /** The TX ring, or null. */
    public PacketFsPacketRing tx() {
        return tx;
    }

    /**
     * Unmaps the rings (the kernel frees them with the socket). No access through {@link #buffer()} or the rings may
     * follow. Idempotent.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            PacketFsLinux.munmapQuietly(address, length);
        }
    }

    private static void setQuietly(int fd, int option, byte[] value) {
        try {
            PacketFsLinux.setsockopt(fd, SOL_PACKET, option, value);
        } catch (PacketFsErrnoException ignored) {
            // Freed with the socket at the latest.
        }
    }

    private static byte[] request(int blockSize, int blocks, int frameSize) {
        ByteBuffer req = ByteBuffer.allocate(TPACKET_REQ_LENGTH).order(ByteOrder.nativeOrder());
        req.putInt(0, blockSize);
        req.putInt(4, blocks);
        req.putInt(8, frameSize);
        req.putInt(12, blockSize / frameSize * blocks);
        return req.array();
    }

    private static byte[] intValue(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, value).array();
    }

    private static int align(int value, int alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
