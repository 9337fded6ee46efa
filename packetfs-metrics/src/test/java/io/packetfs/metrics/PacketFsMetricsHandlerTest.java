package io.packetfs.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.packetfs.codec.PacketFsCloseWindow;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsCrcException;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsMeterBinder;
import io.packetfs.codec.PacketFsMeterSource;
import io.packetfs.codec.PacketFsMetricNames;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsSyncInserter;
import io.packetfs.codec.PacketFsTier;
import io.packetfs.codec.PacketFsTierDecoder;
import io.packetfs.codec.PacketFsTierEncoder;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolDecoder;
import io.packetfs.codec.pool.PacketFsPoolDecoderHandler;
import io.packetfs.codec.pool.PacketFsPoolEncoder;
import io.packetfs.codec.pool.PacketFsPoolEncoderHandler;
import io.packetfs.codec.pool.PacketFsPoolException;
import io.packetfs.codec.pool.PacketFsPoolIndex;
import io.packetfs.codec.pool.PacketFsPoolTestSupport;
import io.packetfs.codec.reliability.PacketFsReliabilityCounters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.packetfs.codec.pool.PacketFsPoolTestSupport.SMALL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link PacketFsMetrics} and {@link PacketFsMetricsHandler}: the Prometheus names as rendered, and every meter moving
 * when frames cross a codec pipeline (both ways) with metrics on.
 */
class PacketFsMetricsHandlerTest {

    private static final PacketFsConfig CONFIG = PacketFsConfig.builder().windowPow2(6).maxFrameLength(200).build();

    static PacketFsPool pool;
    static PacketFsPoolIndex index;

    @BeforeAll
    static void setUp() {
        pool = PacketFsPool.synthetic(200_000, 5, SMALL);
        index = PacketFsPoolIndex.build(pool);
    }

    @AfterAll
    static void tearDown() {
        pool.close();
    }

    @Test
    void prometheusRendersEveryMeterWithItsName() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new PacketFsMetrics(registry);
        String text = registry.scrape();
        List<String> lines = List.of(text.split("\n"));
        for (String expected : PacketFsMeterNames.RENDERED) {
            assertThat(lines).as("scrape:\n%s", text).anyMatch(l -> l.startsWith(expected));
        }
    }

    @Test
    void withoutMetricsTheCodecGetsNoHandler() {
        EmbeddedChannel plain = new EmbeddedChannel();
        EmbeddedChannel off = new EmbeddedChannel();
        PacketFsPipelines.addCodec(plain.pipeline(), CONFIG);
        PacketFsMeteredPipelines.addCodec(off.pipeline(), CONFIG, null);
        assertThat(off.pipeline().names()).isEqualTo(plain.pipeline().names());
        assertThat(off.pipeline().get(PacketFsMetricsHandler.class)).isNull();
        plain.finishAndReleaseAll();
        off.finishAndReleaseAll();
    }

    @Test
    void everyMeterMovesWhenFramesCrossTheCodec() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PacketFsMetrics metrics = new PacketFsMetrics(registry, 1, 60_000);
        MeteredChannel ch = new MeteredChannel();
        PacketFsMeteredPipelines.addCodec(ch.pipeline(), CONFIG, metrics);
        ch.pipeline().addLast(new PacketFsPoolEncoderHandler(new PacketFsPoolEncoder(pool)));
        ch.pipeline().addLast(new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool)));
        FakeReliability reliability = new FakeReliability();
        ch.pipeline().addLast(reliability);
        PacketFsMetricsHandler handler = (PacketFsMetricsHandler) ch.pipeline().get(PacketFsPipelines.METRICS);

        // frames of each tier, then pool-encoded bytes (L3 matches and L1 literals)
        List<ByteBuf> frames = new ArrayList<>();
        writeRefs(ch, PacketFsTier.L1, 100, 0, frames);
        writeRefs(ch, PacketFsTier.L2, 60, 0, frames);
        writeRefs(ch, PacketFsTier.L3, 40, 0, frames);
        byte[] bytes = PacketFsPoolTestSupport.slice(pool, 1000, 3000);
        bytes[1500] ^= 0x55;
        ch.writeOutbound(Unpooled.wrappedBuffer(bytes));
        ch.writeOutbound(PacketFsCloseWindow.INSTANCE);
        drainOutbound(ch, frames);
        int framesOut = frames.size();
        feed(ch, frames);

        // a window whose bytes were corrupted on the way: a CRC error
        frames.clear();
        writeRefs(ch, PacketFsTier.L1, 64, 7, frames);
        ByteBuf first = frames.get(0);
        first.setByte(first.readerIndex() + 12, first.getByte(first.readerIndex() + 12) ^ 0x01);
        framesOut += frames.size();
        feed(ch, frames);
        assertThatThrownBy(ch::checkException).isInstanceOf(PacketFsCrcException.class);

        // a truncated frame: the tier decoder drops it
        frames.clear();
        writeRefs(ch, PacketFsTier.L1, 10, 0, frames);
        framesOut += frames.size();
        ByteBuf whole = frames.get(0);
        ByteBuf truncated = whole.retainedSlice(whole.readerIndex(), 10);
        whole.release();
        ch.pipeline().fireChannelRead(truncated);
        assertThatThrownBy(ch::checkException).isInstanceOf(PacketFsException.class);
        assertThat(truncated.refCnt()).isZero();

        // a reference outside the pool: the pool decoder refuses the run
        frames.clear();
        writeRefs(ch, PacketFsTier.L3, 1, 0x7FFF_FFFF, frames);
        framesOut += frames.size();
        feed(ch, frames);
        assertThatThrownBy(ch::checkException).isInstanceOf(PacketFsPoolException.class);

        ch.kernelDrops = 5;
        reliability.nacksSent = 2;
        reliability.nacksReceived = 3;
        reliability.retransmitted = 4;
        reliability.duplicates = 6;
        handler.publish();

        PacketFsTierEncoder encoder = ch.pipeline().get(PacketFsTierEncoder.class);
        PacketFsTierDecoder decoder = ch.pipeline().get(PacketFsTierDecoder.class);
        assertThat(count(registry, PacketFsMetricNames.FRAMES, "direction", "tx")).isEqualTo(framesOut);
        assertThat(count(registry, PacketFsMetricNames.FRAMES, "direction", "rx")).isEqualTo(framesOut);
        assertThat(count(registry, PacketFsMetricNames.WIRE_BYTES, "direction", "tx")).isPositive();
        assertThat(count(registry, PacketFsMetricNames.WIRE_BYTES, "direction", "rx")).isPositive();
        for (PacketFsTier t : PacketFsTier.values()) {
            String tier = Integer.toString(t.index());
            assertThat(encoder.refsEncoded(t)).isPositive();
            // run references at the tier's width, plus (tier 2) the bytes of COPY unit bodies
            assertThat(count(registry, PacketFsMetricNames.BITS_PACKED, "tier", tier))
                    .isEqualTo((double) encoder.bitsEncoded(t));
            assertThat(count(registry, PacketFsMetricNames.BITS_UNPACKED, "tier", tier))
                    .isEqualTo((double) decoder.bitsDecoded(t));
            assertThat(encoder.bitsEncoded(t)).isGreaterThanOrEqualTo(encoder.refsEncoded(t) * t.bits());
            for (String op : new String[] {"encode", "decode"}) {
                assertThat(registry.get(PacketFsMetricNames.LATENCY).tags("operation", op, "tier", tier).timer()
                        .count()).as("%s tier %s", op, tier).isPositive();
            }
        }
        assertThat(count(registry, PacketFsMetricNames.POOL_HITS, "kind", "copy")).isPositive();
        assertThat(count(registry, PacketFsMetricNames.POOL_HITS, "kind", "literal")).isPositive();
        PacketFsSyncInserter inserter = ch.pipeline().get(PacketFsSyncInserter.class);
        assertThat(inserter.syncsEmitted()).isPositive();
        assertThat(count(registry, PacketFsMetricNames.SYNC_FRAMES)).isEqualTo(2.0 * inserter.syncsEmitted());
        assertThat(count(registry, PacketFsMetricNames.CRC_ERRORS)).isEqualTo(1);
        assertThat(count(registry, PacketFsMetricNames.DROPS, "source", "decoder")).isEqualTo(1);
        assertThat(count(registry, PacketFsMetricNames.DROPS, "source", "pool")).isEqualTo(1);
        assertThat(count(registry, PacketFsMetricNames.DROPS, "source", "kernel")).isEqualTo(5);
        assertThat(count(registry, PacketFsMetricNames.DROPS, "source", "duplicate")).isEqualTo(6);
        assertThat(count(registry, PacketFsMetricNames.NACKS, "direction", "tx")).isEqualTo(2);
        assertThat(count(registry, PacketFsMetricNames.NACKS, "direction", "rx")).isEqualTo(3);
        assertThat(count(registry, PacketFsMetricNames.RETRANSMITS)).isEqualTo(4);
        assertThat(registry.get(PacketFsMetricNames.FRAME_SIZE).tags("direction", "tx").summary().count())
                .isEqualTo(framesOut);
        assertThat(registry.get(PacketFsMetricNames.FRAME_SIZE).tags("direction", "rx").summary().count())
                .isEqualTo(framesOut);
        assertThat(registry.get(PacketFsMetricNames.THROUGHPUT).tags("direction", "tx").gauge().value()).isPositive();
        assertThat(registry.get(PacketFsMetricNames.THROUGHPUT).tags("direction", "rx").gauge().value()).isPositive();

        // publishing again adds nothing: deltas, not totals
        handler.publish();
        assertThat(count(registry, PacketFsMetricNames.CRC_ERRORS)).isEqualTo(1);
        assertThat(count(registry, PacketFsMetricNames.FRAMES, "direction", "tx")).isEqualTo(framesOut);
        String text = registry.scrape();
        assertThat(text).contains("packetfs_crc_errors_total 1.0")
                .contains("packetfs_drops_total{source=\"kernel\"} 5.0")
                .contains("packetfs_nacks_total{direction=\"rx\"} 3.0");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void sampledFramesAreOneInN() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PacketFsMetrics metrics = new PacketFsMetrics(registry, 4, 60_000);
        EmbeddedChannel ch = new EmbeddedChannel();
        PacketFsMeteredPipelines.addCodec(ch.pipeline(), PacketFsConfig.builder().crcEnabled(false).build(), metrics);
        List<ByteBuf> frames = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            writeRefs(ch, PacketFsTier.L3, 20, i, frames);
        }
        assertThat(frames).hasSize(16);
        feed(ch, frames);
        ((PacketFsMetricsHandler) ch.pipeline().get(PacketFsPipelines.METRICS)).publish();
        assertThat(count(registry, PacketFsMetricNames.FRAMES, "direction", "tx")).isEqualTo(16);
        assertThat(registry.get(PacketFsMetricNames.FRAME_SIZE).tags("direction", "tx").summary().count()).isEqualTo(4);
        assertThat(registry.get(PacketFsMetricNames.FRAME_SIZE).tags("direction", "rx").summary().count()).isEqualTo(4);
        assertThat(registry.get(PacketFsMetricNames.LATENCY).tags("operation", "encode", "tier", "2").timer().count())
                .isEqualTo(4);
        assertThat(registry.get(PacketFsMetricNames.LATENCY).tags("operation", "decode", "tier", "2").timer().count())
                .isEqualTo(4);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void closingTheChannelPublishes() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PacketFsMetrics metrics = new PacketFsMetrics(registry);
        EmbeddedChannel ch = new EmbeddedChannel();
        PacketFsMeteredPipelines.addCodec(ch.pipeline(), CONFIG, metrics);
        List<ByteBuf> frames = new ArrayList<>();
        writeRefs(ch, PacketFsTier.L2, 10, 0, frames);
        feed(ch, frames);
        assertThat(count(registry, PacketFsMetricNames.FRAMES, "direction", "rx")).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
        assertThat(count(registry, PacketFsMetricNames.FRAMES, "direction", "rx")).isEqualTo(1);
        assertThat(count(registry, PacketFsMetricNames.BITS_PACKED, "tier", "1")).isEqualTo(160);
    }

    private static double count(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    private static void writeRefs(EmbeddedChannel ch, PacketFsTier tier, int n, int first, List<ByteBuf> frames) {
        int[] refs = new int[n];
        for (int i = 0; i < n; i++) {
            refs[i] = first + i;
        }
        ch.writeOutbound(PacketFsRefs.pack(ch.alloc(), tier, refs, 0, n));
        drainOutbound(ch, frames);
    }

    private static void drainOutbound(EmbeddedChannel ch, List<ByteBuf> frames) {
        ch.flushOutbound();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            frames.add((ByteBuf) o);
        }
    }

    /** Feeds frames back in and releases whatever comes out at the top; errors wait for checkException. */
    private static void feed(EmbeddedChannel ch, List<ByteBuf> frames) {
        for (ByteBuf f : frames) {
            ch.pipeline().fireChannelRead(f).fireChannelReadComplete();
            for (Object o; (o = ch.readInbound()) != null; ) {
                io.netty.util.ReferenceCountUtil.release(o);
            }
            assertThat(f.refCnt()).isZero();
        }
    }

    /** An embedded channel with kernel drops, as the raw Ethernet channel has. */
    static final class MeteredChannel extends EmbeddedChannel implements PacketFsMeterSource {
        volatile long kernelDrops;

        @Override
        public void bindMeters(PacketFsMeterBinder binder) {
            binder.counter(PacketFsMetricNames.DROPS, () -> kernelDrops, "source", "kernel");
        }
    }

    /** Stands in for the reliability handler: counters only. */
    static final class FakeReliability extends ChannelInboundHandlerAdapter implements PacketFsReliabilityCounters {
        long nacksSent;
        long nacksReceived;
        long retransmitted;
        long duplicates;

        @Override
        public long nacksSent() {
            return nacksSent;
        }

        @Override
        public long nacksReceived() {
            return nacksReceived;
        }

        @Override
        public long framesRetransmitted() {
            return retransmitted;
        }

        @Override
        public long duplicatesDropped() {
            return duplicates;
        }
    }
}
