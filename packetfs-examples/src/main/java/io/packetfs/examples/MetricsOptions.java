package io.packetfs.examples;

import picocli.CommandLine.Option;

import java.net.InetSocketAddress;

/** The {@code --metrics-port N} option of the long-running commands (send, recv, demo, relay, echo-server). */
final class MetricsOptions {

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics (all interfaces) while the command "
                    + "runs; 0 = off (default).")
    int port;

    /** Starts serving and prints the URL; null when the option is off. */
    CliMetrics start() throws InterruptedException {
        if (port == 0) {
            return null;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--metrics-port " + port + " is not a port (1..65535, or 0 for off)");
        }
        CliMetrics m = CliMetrics.start(new InetSocketAddress(port));
        System.out.println("metrics: serving " + m.server.url());
        return m;
    }
}
