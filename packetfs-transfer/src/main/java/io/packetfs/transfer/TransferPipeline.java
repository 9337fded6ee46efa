package io.packetfs.transfer;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.packetfs.codec.PacketFsSyncInserter;
import io.packetfs.codec.PacketFsTierEncoder;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolDecoder;
import io.packetfs.codec.pool.PacketFsPoolDecoderHandler;
import io.packetfs.codec.pool.PacketFsPoolEncoder;
import io.packetfs.codec.pool.PacketFsPoolEncoderHandler;
import io.packetfs.codec.reliability.PacketFsReliability;
import io.packetfs.codec.reliability.PacketFsReliabilityConfig;
import io.packetfs.metrics.PacketFsMeteredPipelines;
import io.packetfs.transport.PacketFsEthernetAdapter;
import io.packetfs.transport.PacketFsImpairment;
import io.packetfs.transport.PacketFsUdpAdapter;

import java.time.Duration;

/**
 * The handlers of one side of a transfer, in the order they go into the channel's pipeline (below the transport
 * adapter, which {@code PacketFsTransports.open} or the user's own bootstrap puts first), and the figures read off
 * them at the end. One per channel; built and read on its event loop.
 *
 * <pre>
 *   [impairment]  wire meter  codec (+ reliability)  pool encoder (sender)  pool decoder  transfer handler
 * </pre>
 */
final class TransferPipeline {

    /**
     * Bytes of a codec frame that a COPY body leaves free: the frame header (8), the unit's opcode and length (3) and
     * a SYNC unit (5), so that a full unit and the SYNC that may close its window share one frame.
     */
    static final int COPY_BODY_HEADROOM = 8 + 3 + 5;

    /**
     * A COPY unit (up to 16 MiB of pool content) reaches the file writer in buffers of at most this size: pooled, and
     * handed to the writer thread whole (FileWriteBehind.HANDOFF_BYTES) instead of copied again.
     */
    static final int COPY_PIECE_BYTES = 256 * 1024;

    final WireMeter meter = new WireMeter();
    private Channel channel;
    private PacketFsReliability reliability;
    private PacketFsSyncInserter inserter;
    private PacketFsTierEncoder encoder;

    /** Adds the sender's handlers, {@code top} last. */
    void addSender(Channel ch, PacketFsPool pool, PacketFsTransferConfig config, io.netty.channel.ChannelHandler top) {
        addCodec(ch, config);
        // COPY bodies fill the codec's frame, with room for a SYNC unit
        int codecFrame = config.reliable() ? config.frameLength() - PacketFsReliabilityConfig.TRAILER_LENGTH
                : config.frameLength();
        // copies from the file's own earlier bytes need every unit before them: only with reliable delivery
        ch.pipeline().addLast(new PacketFsPoolEncoderHandler(new PacketFsPoolEncoder(pool, ByteBufAllocator.DEFAULT,
                codecFrame - COPY_BODY_HEADROOM, true, config.reliable())));
        ch.pipeline().addLast(new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool), COPY_PIECE_BYTES));
        ch.pipeline().addLast(top);
    }

    /** Adds the receiver's handlers, {@code top} last. */
    void addReceiver(Channel ch, PacketFsPool pool, PacketFsTransferConfig config,
                     io.netty.channel.ChannelHandler top) {
        addCodec(ch, config);
        ch.pipeline().addLast(new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool), COPY_PIECE_BYTES));
        ch.pipeline().addLast(top);
    }

    private void addCodec(Channel ch, PacketFsTransferConfig config) {
        channel = ch;
        ChannelPipeline p = ch.pipeline();
        if (config.impairment() != null) {
            p.addLast(new PacketFsImpairment(config.impairment()));
        }
        p.addLast(meter);
        if (config.reliable()) {
            reliability = PacketFsMeteredPipelines.addReliableCodec(p, config.codecConfig(),
                    config.reliabilityConfig(), config.metrics());
        } else {
            PacketFsMeteredPipelines.addCodec(p, config.codecConfig(), config.metrics());
        }
        inserter = p.get(PacketFsSyncInserter.class);
        encoder = p.get(PacketFsTierEncoder.class);
    }

    /** The reliability handler, or null in unreliable mode. */
    PacketFsReliability reliability() {
        return reliability;
    }

    /** SYNC units emitted so far (windows closed). */
    long syncsEmitted() {
        return inserter.syncsEmitted();
    }

    /** References encoded so far. */
    long refsEncoded() {
        return encoder.refsEncoded();
    }

    /**
     * How long the peer has said nothing: since {@code lastHeardNanos} ({@link System#nanoTime()}, when something
     * last reached the transfer handler), or, in reliable mode, since the reliability handler last heard a valid
     * frame, if that is later: its STATUS and NACK frames stop there and never reach the handler above.
     */
    long silentNanos(long lastHeardNanos) {
        long silent = System.nanoTime() - lastHeardNanos;
        return reliability == null ? silent : Math.min(silent, reliability.silentNanos());
    }

    /** The figures at the end; {@code sending} picks the meter's direction. */
    PacketFsTransferResult result(boolean ok, String message, boolean sending, long fileBytes, long refs,
                                  long startNanos, long dataStartNanos, long endSentNanos, byte[] sha256) {
        long end = System.nanoTime();
        long padding = 0;
        long foreign = 0;
        PacketFsUdpAdapter udp = channel == null ? null : channel.pipeline().get(PacketFsUdpAdapter.class);
        PacketFsEthernetAdapter l2 = channel == null ? null : channel.pipeline().get(PacketFsEthernetAdapter.class);
        if (udp != null) {
            padding = udp.paddingBytes(); // zeros after frames so that a segmented send's datagrams have one size
            foreign = udp.foreignDatagrams();
        } else if (l2 != null) {
            foreign = l2.foreignFrames();
        }
        long wire = (sending ? meter.bytesOut : meter.bytesIn) + (sending ? padding : 0);
        long frames = sending ? meter.framesOut : meter.framesIn;
        Duration handshake = Duration.ZERO;
        Duration data = Duration.ZERO;
        Duration closing = Duration.ZERO;
        if (dataStartNanos != 0) {
            handshake = Duration.ofNanos(dataStartNanos - startNanos);
            data = Duration.ofNanos((endSentNanos != 0 ? endSentNanos : end) - dataStartNanos);
            closing = endSentNanos != 0 ? Duration.ofNanos(end - endSentNanos) : Duration.ZERO;
        }
        PacketFsTransferResult.Repair repair = null;
        PacketFsTransferResult.Congestion congestion = null;
        PacketFsReliability r = reliability;
        if (r != null) {
            repair = new PacketFsTransferResult.Repair(r.framesSent(), r.framesRetransmitted(),
                    r.bytesRetransmitted(), r.retransmitTimeouts(), r.nacksSent(), r.nacksReceived(),
                    r.duplicatesDropped(), r.corruptDropped(), r.foreignDropped(), r.invalidDropped(),
                    r.overflowDropped(), foreign, padding, r.bytesSent());
            if (sending) {
                congestion = new PacketFsTransferResult.Congestion(r.congestionWindow(), r.pacingRate(),
                        r.smoothedRttNanos() < 0 ? null : Duration.ofNanos(r.smoothedRttNanos()),
                        r.minRttNanos() < 0 ? null : Duration.ofNanos(r.minRttNanos()), r.lossRate(), r.framesLost(),
                        r.congestionControl().congestionEvents(), r.pacerWaits(), r.congestionWindowWaits());
            }
        }
        return new PacketFsTransferResult(ok, message, fileBytes, wire, frames, refs,
                Duration.ofNanos(startNanos == 0 ? 0 : end - startNanos), handshake, data, closing,
                sha256 == null ? new byte[0] : sha256.clone(), repair, congestion);
    }
}
