package io.packetfs.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --metrics-port}: which commands take it, and what a port in use says (the server's own tests are in
 *  packetfs-metrics-prometheus). */
class CliMetricsTest {

    @Test
    void everyLongRunningCommandTakesMetricsPort() {
        for (String command : new String[] {"send", "recv", "demo", "relay", "echo-server"}) {
            CommandLine cl = PacketFsCli.newCommandLine().getSubcommands().get(command);
            assertThat(cl.getCommandSpec().findOption("--metrics-port")).as(command).isNotNull();
        }
        CommandLine.ParseResult parsed = PacketFsCli.newCommandLine()
                .parseArgs("relay", "--from", "udp:127.0.0.1:1", "--to", "udp:127.0.0.1:2", "--metrics-port", "9100");
        assertThat(parsed.subcommand().matchedOptionValue("--metrics-port", 0)).isEqualTo(9100);
    }

    @Test
    void aPortInUseNamesTheOption() throws Exception {
        try (CliMetrics first = CliMetrics.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            assertThat(CliMetrics.current()).isSameAs(first);
            int port = first.server.localAddress().getPort();
            assertThatThrownBy(() -> CliMetrics.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already served");
        }
        assertThat(CliMetrics.current()).isNull();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> CliMetrics.start(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    taken.getLocalPort())))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("--metrics-port")
                    .hasMessageContaining(String.valueOf(taken.getLocalPort()));
        }
        assertThat(CliMetrics.current()).isNull();
    }
}
