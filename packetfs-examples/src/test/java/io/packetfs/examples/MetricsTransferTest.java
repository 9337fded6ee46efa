package io.packetfs.examples;

import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real transfer (send and recv in this JVM over UDP loopback, the pipelines the commands build) with metrics on:
 * {@code /metrics} scraped over HTTP before and after each of two transfers shows the meters moving.
 */
class MetricsTransferTest {

    private static PacketFsPool pool;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        pool = PacketFsPool.synthetic(4L << 20, 9, PacketFsPoolGeometry.DEFAULT);
    }

    @AfterAll
    static void tearDown() {
        pool.close();
    }

    /**
     * Meters that every clean transfer moves. A file transfer's references are COPY units (counted under tier 2),
     * so the tier 0 and 1 meters move only for run traffic (PacketFsMetricsHandlerTest covers them).
     */
    private static final List<String> MOVING = List.of(
            "packetfs_frames_total{direction=\"tx\"}",
            "packetfs_frames_total{direction=\"rx\"}",
            "packetfs_wire_bytes_total{direction=\"tx\"}",
            "packetfs_wire_bytes_total{direction=\"rx\"}",
            "packetfs_bits_packed_total{tier=\"2\"}",
            "packetfs_bits_unpacked_total{tier=\"2\"}",
            "packetfs_sync_frames_total",
            "packetfs_pool_hits_total{kind=\"copy\"}",
            "packetfs_pool_hits_total{kind=\"literal\"}",
            "packetfs_latency_seconds_count{operation=\"encode\",tier=\"2\"}",
            "packetfs_latency_seconds_count{operation=\"decode\",tier=\"2\"}",
            "packetfs_latency_seconds_sum{operation=\"encode\",tier=\"2\"}",
            "packetfs_latency_seconds_sum{operation=\"decode\",tier=\"2\"}",
            "packetfs_frame_size_bytes_count{direction=\"tx\"}",
            "packetfs_frame_size_bytes_sum{direction=\"rx\"}");

    @Test
    void aScrapeBetweenTransfersShowsTheMetersMoving() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (CliMetrics metrics = CliMetrics.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            assertThat(CliMetrics.current()).isSameAs(metrics);
            String url = metrics.server.url();
            Map<String, Double> before = scrape(http, url);
            for (String meter : MOVING) {
                assertThat(before).as(meter).containsEntry(meter, 0.0);
            }
            for (int round = 0; round < 2; round++) {
                byte[] data = new byte[600_000];
                Transfers.read(pool, 4_321 + round, data, 0, data.length);
                data[300_000] ^= 0x5A; // one literal in the middle
                TransferResult[] r = transfer(data);
                assertThat(r[0].ok).as(r[0].message).isTrue();
                assertThat(r[1].ok).as(r[1].message).isTrue();
                Map<String, Double> after = scrape(http, url);
                for (String meter : MOVING) {
                    assertThat(after.get(meter)).as("%s after transfer %d", meter, round + 1)
                            .isGreaterThan(before.get(meter));
                }
                assertThat(after.get("packetfs_throughput_pps{direction=\"tx\"}")).isPositive();
                assertThat(after.get("packetfs_throughput_pps{direction=\"rx\"}")).isPositive();
                // the meters count the frames the codec made (first transmissions); the wire also carries repairs
                // and probes, which a loaded machine may need, so r[0].frames can be higher
                assertThat(r[0].framesSent).isPositive();
                assertThat(after.get("packetfs_frames_total{direction=\"tx\"}") - before.get(
                        "packetfs_frames_total{direction=\"tx\"}")).isGreaterThanOrEqualTo(r[0].framesSent);
                assertThat(after.get("packetfs_crc_errors_total")).isZero();
                assertThat(after.get("packetfs_drops_total{source=\"decoder\"}")).isZero();
                assertThat(after).containsKeys("packetfs_nacks_total{direction=\"tx\"}", "packetfs_retransmits_total",
                        "packetfs_drops_total{source=\"kernel\"}");
                // the congestion controller's levels (both ends bind them in this JVM: the last reading shows)
                assertThat(after.get("packetfs_congestion_window_bytes")).isGreaterThanOrEqualTo(2.0 * 1508);
                assertThat(after.get("packetfs_pacing_rate_bytes_per_second")).isPositive();
                assertThat(after.get("packetfs_rtt_seconds")).isPositive().isLessThan(10.0);
                assertThat(after.get("packetfs_loss_ratio")).isZero();
                before = after;
            }
        }
        assertThat(CliMetrics.current()).isNull();
    }

    private TransferResult[] transfer(byte[] data) throws Exception {
        Path input = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        Files.write(input, data);
        TransferResult[] r = Transfers.overLoopback(pool, pool, input, out, 10, true, false, null, null);
        assertThat(Files.mismatch(input, out)).isEqualTo(-1);
        return r;
    }

    /** Sample lines of a scrape: {@code name{labels}} to value. */
    private static Map<String, Double> scrape(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Double> samples = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }
}
