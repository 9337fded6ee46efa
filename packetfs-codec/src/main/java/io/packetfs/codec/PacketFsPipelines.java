package io.packetfs.codec;

import io.netty.channel.ChannelPipeline;

/**
 * Puts the whole PacketFS codec into a pipeline in the right order, below the application's handlers and above a
 * transport adapter that moves one frame per {@link io.netty.buffer.ByteBuf}:
 *
 * <pre>
 *   inbound:   frame ByteBuf -&gt; tier decoder -&gt; CRC window checker -&gt; window validator -&gt; (application)
 *   outbound:  (application) PacketFsRefs -&gt; SYNC inserter -&gt; tier encoder -&gt; frame ByteBuf
 * </pre>
 *
 * With a {@link PacketFsMetrics}, a {@link PacketFsMetricsHandler} goes below the codec and its companion above it.
 */
public final class PacketFsPipelines {

    /** Handler names, so that other handlers can be placed relative to them. */
    public static final String ENCODER = "packetfs-tier-encoder";
    /** Name of the {@link PacketFsTierDecoder}. */
    public static final String DECODER = "packetfs-tier-decoder";
    /** Name of the {@link PacketFsSyncInserter}. */
    public static final String SYNC_INSERTER = "packetfs-sync-inserter";
    /** Name of the {@link PacketFsCrcWindowChecker}. */
    public static final String CRC_CHECKER = "packetfs-crc-checker";
    /** Name of the {@link PacketFsSyncValidator}. */
    public static final String SYNC_VALIDATOR = "packetfs-sync-validator";
    /** Name of the {@link PacketFsReliability} handler. */
    public static final String RELIABILITY = "packetfs-reliability";
    /** Name of the {@link PacketFsMetricsHandler} (right above the transport adapter). */
    public static final String METRICS = "packetfs-metrics";
    /** Name of {@link PacketFsMetricsHandler#codecTop()} (right above the codec). */
    public static final String METRICS_CODEC_TOP = "packetfs-metrics-codec-top";

    private PacketFsPipelines() {
    }

    /** Appends the codec handlers for {@code config} at the end of {@code pipeline}. */
    public static ChannelPipeline addCodec(ChannelPipeline pipeline, PacketFsConfig config) {
        pipeline.addLast(ENCODER, new PacketFsTierEncoder(config));
        pipeline.addLast(DECODER, new PacketFsTierDecoder(config));
        pipeline.addLast(SYNC_INSERTER, new PacketFsSyncInserter(config));
        pipeline.addLast(CRC_CHECKER, new PacketFsCrcWindowChecker());
        pipeline.addLast(SYNC_VALIDATOR, new PacketFsSyncValidator(config));
        return pipeline;
    }

    /**
     * As {@link #addCodec(ChannelPipeline, PacketFsConfig)}, with {@code metrics} measuring it: a
     * {@link PacketFsMetricsHandler} before the codec and its {@link PacketFsMetricsHandler#codecTop()} after it.
     * With {@code metrics == null} this is exactly {@link #addCodec(ChannelPipeline, PacketFsConfig)}: no handler is
     * added and the codec pays nothing.
     */
    public static ChannelPipeline addCodec(ChannelPipeline pipeline, PacketFsConfig config, PacketFsMetrics metrics) {
        if (metrics == null) {
            return addCodec(pipeline, config);
        }
        PacketFsMetricsHandler handler = metrics.newHandler();
        pipeline.addLast(METRICS, handler);
        addCodec(pipeline, config);
        pipeline.addLast(METRICS_CODEC_TOP, handler.codecTop());
        return pipeline;
    }

    /**
     * Appends a {@link PacketFsReliability} handler and then the codec (docs/PROTOCOL.md section 9). Frames on the
     * wire stay within {@code config.maxFrameLength()}: the codec's frames are 8 bytes shorter, for the trailer.
     * Returns the reliability handler (its counters, {@link PacketFsReliability#whenAcknowledged()}).
     */
    public static PacketFsReliability addReliableCodec(ChannelPipeline pipeline, PacketFsConfig config,
                                                       PacketFsReliabilityConfig reliability) {
        return addReliableCodec(pipeline, config, reliability, null);
    }

    /**
     * As {@link #addReliableCodec(ChannelPipeline, PacketFsConfig, PacketFsReliabilityConfig)}, with {@code metrics}
     * (may be null) measuring it: the {@link PacketFsMetricsHandler} goes between the reliability handler and the
     * codec (it times the codec alone and counts the frames the codec sees, in order and once each), its
     * {@link PacketFsMetricsHandler#codecTop()} above the codec; the reliability handler's counters become the NACK,
     * retransmit and drop meters.
     */
    public static PacketFsReliability addReliableCodec(ChannelPipeline pipeline, PacketFsConfig config,
                                                       PacketFsReliabilityConfig reliability,
                                                       PacketFsMetrics metrics) {
        PacketFsMetricsHandler meter = metrics == null ? null : metrics.newHandler();
        PacketFsReliability handler = new PacketFsReliability(config, reliability);
        pipeline.addLast(RELIABILITY, handler);
        if (meter != null) {
            pipeline.addLast(METRICS, meter);
        }
        addCodec(pipeline, codecConfigUnderReliability(config));
        if (meter != null) {
            pipeline.addLast(METRICS_CODEC_TOP, meter.codecTop());
        }
        return handler;
    }

    /** The codec's configuration below reliable delivery: frames shorter by the reliability trailer. */
    public static PacketFsConfig codecConfigUnderReliability(PacketFsConfig config) {
        return config.toBuilder()
                .maxFrameLength(config.maxFrameLength() - PacketFsReliabilityConfig.TRAILER_LENGTH).build();
    }
}
