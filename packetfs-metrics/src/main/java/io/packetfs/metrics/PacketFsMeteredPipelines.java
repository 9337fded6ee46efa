package io.packetfs.metrics;

import io.netty.channel.ChannelPipeline;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.reliability.PacketFsReliability;
import io.packetfs.codec.reliability.PacketFsReliabilityConfig;

/**
 * {@link PacketFsPipelines} with a {@link PacketFsMetrics} measuring the codec: a {@link PacketFsMetricsHandler}
 * (named {@link PacketFsPipelines#METRICS}) goes below the codec and its {@link PacketFsMetricsHandler#codecTop()}
 * ({@link PacketFsPipelines#METRICS_CODEC_TOP}) above it:
 *
 * <pre>
 *   adapter | [reliability] | metrics handler | tier encoder/decoder, SYNC inserter, CRC checker, validator | codec top
 * </pre>
 *
 * With {@code metrics == null} each method is exactly its {@link PacketFsPipelines} counterpart: no handler is added
 * and the codec pays nothing.
 */
public final class PacketFsMeteredPipelines {

    private PacketFsMeteredPipelines() {
    }

    /**
     * As {@link PacketFsPipelines#addCodec(ChannelPipeline, PacketFsConfig)}, with {@code metrics} (may be null)
     * measuring it: a {@link PacketFsMetricsHandler} before the codec and its {@link PacketFsMetricsHandler#codecTop()}
     * after it.
     */
    public static ChannelPipeline addCodec(ChannelPipeline pipeline, PacketFsConfig config, PacketFsMetrics metrics) {
        if (metrics == null) {
            return PacketFsPipelines.addCodec(pipeline, config);
        }
        PacketFsMetricsHandler handler = metrics.newHandler();
        pipeline.addLast(PacketFsPipelines.METRICS, handler);
        PacketFsPipelines.addCodec(pipeline, config);
        pipeline.addLast(PacketFsPipelines.METRICS_CODEC_TOP, handler.codecTop());
        return pipeline;
    }

    /**
     * As {@link PacketFsPipelines#addReliableCodec(ChannelPipeline, PacketFsConfig, PacketFsReliabilityConfig)}, with
     * {@code metrics} (may be null) measuring it: the {@link PacketFsMetricsHandler} goes between the reliability
     * handler and the codec (it times the codec alone and counts the frames the codec sees, in order and once each),
     * its {@link PacketFsMetricsHandler#codecTop()} above the codec; the reliability handler's counters become the
     * NACK, retransmit and drop meters. Returns the reliability handler.
     */
    public static PacketFsReliability addReliableCodec(ChannelPipeline pipeline, PacketFsConfig config,
                                                       PacketFsReliabilityConfig reliability,
                                                       PacketFsMetrics metrics) {
        if (metrics == null) {
            return PacketFsPipelines.addReliableCodec(pipeline, config, reliability);
        }
        PacketFsMetricsHandler meter = metrics.newHandler();
        PacketFsReliability handler = new PacketFsReliability(config, reliability);
        pipeline.addLast(PacketFsPipelines.RELIABILITY, handler);
        pipeline.addLast(PacketFsPipelines.METRICS, meter);
        PacketFsPipelines.addCodec(pipeline, PacketFsPipelines.codecConfigUnderReliability(config));
        pipeline.addLast(PacketFsPipelines.METRICS_CODEC_TOP, meter.codecTop());
        return handler;
    }
}
