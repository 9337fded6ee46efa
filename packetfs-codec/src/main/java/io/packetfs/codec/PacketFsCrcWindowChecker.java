package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Inbound: computes the CRC16 of each window's reference bytes as the {@link PacketFsRefs} runs pass, and compares
 * it with the CRC16 of the {@link PacketFsSync} unit (the body bytes of {@link PacketFsCopyUnit}s count as reference
 * bytes, docs/PROTOCOL.md section 5) that closes the window. The SYNC unit is passed on with its
 * verdict ({@link PacketFsSync.CrcStatus#MATCH} or {@link PacketFsSync.CrcStatus#MISMATCH}); on a mismatch a
 * {@link PacketFsCrcException} naming the window and both CRCs is also fired through {@code exceptionCaught}, and
 * {@link #crcErrors()} counts it. The next window starts from a fresh CRC, so one bad window poisons no other.
 * Runs are passed on as they arrive (the checker does not hold a window back). Not {@code @Sharable}.
 */
public class PacketFsCrcWindowChecker extends ChannelInboundHandlerAdapter implements PacketFsMeterSource {

    private int crc = PacketFsCrc16.INITIAL;
    private long windowsChecked;
    private long crcErrors;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PacketFsRefs) {
            ByteBuf content = ((PacketFsRefs) msg).content();
            crc = PacketFsCrc16.update(crc, content, content.readerIndex(), content.readableBytes());
            ctx.fireChannelRead(msg);
        } else if (msg instanceof PacketFsCopyUnit) {
            ByteBuf content = ((PacketFsCopyUnit) msg).content();
            crc = PacketFsCrc16.update(crc, content, content.readerIndex(), content.readableBytes());
            ctx.fireChannelRead(msg);
        } else if (msg instanceof PacketFsSync && ((PacketFsSync) msg).hasCrc()) {
            PacketFsSync sync = (PacketFsSync) msg;
            int actual = crc;
            crc = PacketFsCrc16.INITIAL;
            windowsChecked++;
            if (actual == sync.crc()) {
                ctx.fireChannelRead(sync.withStatus(PacketFsSync.CrcStatus.MATCH));
            } else {
                crcErrors++;
                ctx.fireChannelRead(sync.withStatus(PacketFsSync.CrcStatus.MISMATCH));
                ctx.fireExceptionCaught(new PacketFsCrcException(sync.windowId(), sync.crc(), actual));
            }
        } else {
            if (msg instanceof PacketFsSync) {
                crc = PacketFsCrc16.INITIAL;
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** Windows whose CRC was compared. */
    public long windowsChecked() {
        return windowsChecked;
    }

    /** Windows whose CRC did not match (the seed's {@code packetfs_crc_errors_total}). */
    public long crcErrors() {
        return crcErrors;
    }

    /** Binds {@link #crcErrors()} to {@code packetfs_crc_errors_total}. */
    @Override
    public void bindMeters(PacketFsMeterBinder binder) {
        binder.counter(PacketFsMetricNames.CRC_ERRORS, this::crcErrors);
    }
}
