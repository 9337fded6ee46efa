package io.packetfs.metrics.prometheus;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.packetfs.metrics.PacketFsMeterNames;
import io.packetfs.metrics.PacketFsMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link PacketFsMetricsServer} on an ephemeral loopback port, scraped with a plain HTTP client. */
class PacketFsMetricsServerTest {

    private PrometheusMeterRegistry registry;
    private PacketFsMetricsServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() throws Exception {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new PacketFsMetrics(registry);
        server = PacketFsMetricsServer.start(registry, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() {
        server.close();
        registry.close();
    }

    @Test
    void getMetricsServesEveryMeterAsPrometheusText() throws Exception {
        assertThat(server.url()).isEqualTo("http://127.0.0.1:" + server.localAddress().getPort() + "/metrics");
        HttpResponse<String> r = get(server.url());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        List<String> lines = r.body().lines().toList();
        for (String expected : PacketFsMeterNames.RENDERED) {
            assertThat(lines).as("scrape:\n%s", r.body()).anyMatch(l -> l.startsWith(expected));
        }
        // a second scrape on the same (kept-alive) connection works the same
        assertThat(get(server.url()).statusCode()).isEqualTo(200);
        assertThat(get(server.url() + "?name[]=packetfs_crc_errors_total").statusCode()).isEqualTo(200);
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        String base = "http://127.0.0.1:" + server.localAddress().getPort();
        HttpResponse<String> notFound = get(base + "/");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.body()).contains("/metrics");
        assertThat(get(base + "/metrics/extra").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(server.url()))
                .POST(HttpRequest.BodyPublishers.ofString("x")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET");
        HttpResponse<String> delete = http.send(HttpRequest.newBuilder(URI.create(server.url())).DELETE()
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(get(server.url()).statusCode()).isEqualTo(200);
    }

    @Test
    void aPortInUseIsAClearError() {
        int port = server.localAddress().getPort();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PacketFsMetricsServer.start(registry,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("port in use");
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
