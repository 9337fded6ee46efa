package io.packetfs.examples;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.metrics.PacketFsMetrics;
import io.packetfs.metrics.prometheus.PacketFsMetricsServer;

import java.net.InetSocketAddress;

/**
 * The metrics of one command run: a Prometheus registry, the PacketFS meters in it, and the {@code /metrics} server.
 * A command opens it with {@link MetricsOptions#start()} (null when {@code --metrics-port} is off) and closes it when
 * it ends; while it is open, every transfer it builds (through {@code Transfers.config}) and every pipeline through {@link #withWireMeter}
 * publishes into it. One command runs per process, so the open one is process-wide ({@link #current()}); with none
 * open those methods add nothing and the pipelines pay nothing.
 */
final class CliMetrics implements AutoCloseable {

    private static volatile CliMetrics current;

    final PrometheusMeterRegistry registry;
    final PacketFsMetrics metrics;
    final PacketFsMetricsServer server;

    private CliMetrics(PrometheusMeterRegistry registry, PacketFsMetrics metrics, PacketFsMetricsServer server) {
        this.registry = registry;
        this.metrics = metrics;
        this.server = server;
    }

    /** Serves the meters on {@code address} and makes them the process's current ones. */
    static CliMetrics start(InetSocketAddress address) throws InterruptedException {
        if (current != null) {
            throw new IllegalStateException("metrics are already served at " + current.server.url());
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PacketFsMetrics metrics = new PacketFsMetrics(registry);
        PacketFsMetricsServer server;
        try {
            server = PacketFsMetricsServer.start(registry, address);
        } catch (IllegalStateException e) {
            registry.close();
            throw new IllegalStateException(e.getMessage() + " (--metrics-port)", e);
        } catch (RuntimeException | InterruptedException e) {
            registry.close();
            throw e;
        }
        CliMetrics m = new CliMetrics(registry, metrics, server);
        current = m;
        return m;
    }

    /** The open metrics, or null. */
    static CliMetrics current() {
        return current;
    }

    /**
     * {@code handler} with a {@link io.packetfs.metrics.PacketFsMetricsHandler} in front of it when metrics are on (for
     * pipelines without the codec: relay, echo-server), else {@code handler} itself.
     */
    static ChannelHandler withWireMeter(ChannelHandler handler) {
        CliMetrics m = current;
        if (m == null) {
            return handler;
        }
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(PacketFsPipelines.METRICS, m.metrics.newHandler()).addLast(handler);
            }
        };
    }

    @Override
    public void close() {
        if (current == this) {
            current = null;
        }
        server.close();
        registry.close();
    }
}
