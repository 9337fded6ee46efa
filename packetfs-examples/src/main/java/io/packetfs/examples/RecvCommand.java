package io.packetfs.examples;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.transfer.PacketFsFileReceiver;
import io.packetfs.transfer.PacketFsTransferConfig;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsImpairment;
import io.packetfs.transport.PacketFsTransports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code ./packetfs recv --pool FILE (--udp HOST:PORT | --l2 IFACE) --out OUTPUT}: receives one file and exits. */
@Command(name = "recv", mixinStandardHelpOptions = true,
        description = {"Receives one file from 'packetfs send' (HOST:PORT is where it listens) and exits.",
                "The file is written to a temporary name and renamed to OUTPUT only after its SHA-256 verifies."})
final class RecvCommand implements Callable<Integer> {

    @Option(names = "--pool", required = true, paramLabel = "FILE", description = "The pool both sides hold.")
    Path poolFile;

    @Mixin
    TransportOptions transport;

    @Mixin
    MetricsOptions metricsOptions;

    @Option(names = "--out", required = true, paramLabel = "OUTPUT", description = "Where the file goes.")
    Path output;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Mixin
    SimulateOption delivery = new SimulateOption();

    @Option(names = "--timeout", defaultValue = "10",
            description = "Seconds of silence from an accepted sender before giving up (default ${DEFAULT-VALUE}).")
    int timeout;

    /** Completes with the bound channel once listening (tests use it instead of sleeping). */
    final CompletableFuture<Channel> ready = new CompletableFuture<>();

    @Override
    @SuppressWarnings("try") // the resource is the metrics server, open while the command runs
    public Integer call() throws Exception {
        try (CliMetrics metrics = metricsOptions.start()) {
            return receiveFile();
        }
    }

    private Integer receiveFile() throws Exception {
        PacketFsEndpoint endpoint = transport.endpoint();
        ready.thenAccept(ch -> System.err.println("recv: listening on " + endpoint + " (" + ch.localAddress() + "), "
                + (delivery.unreliable ? "unreliable" : "reliable") + " delivery"));
        try (PacketFsPool pool = Transfers.openPool(poolFile)) {
            TransferResult r = receive(pool, endpoint, output, !noProgress, timeout, !delivery.unreliable,
                    delivery.impairment(), ready);
            System.out.println(r.summary("recv"));
            return r.ok ? 0 : 1;
        }
    }

    static TransferResult receive(PacketFsPool pool, PacketFsEndpoint endpoint, Path output, boolean progress,
                                  int timeout, boolean reliable, CompletableFuture<Channel> ready)
            throws Exception {
        return receive(pool, endpoint, output, progress, timeout, reliable, null, ready);
    }

    /** Receives one file; {@code impair} (may be null) impairs what the receiver receives (--simulate). */
    static TransferResult receive(PacketFsPool pool, PacketFsEndpoint endpoint, Path output, boolean progress,
                                  int timeout, boolean reliable, PacketFsImpairment.Settings impair,
                                  CompletableFuture<Channel> ready) throws Exception {
        EventLoopGroup group = PacketFsTransports.newEventLoopGroup(1);
        try (Transfers.Progress bar = progress ? new Transfers.Progress("recv") : null) {
            int frameLength = PacketFsTransferConfig.frameLengthFor(endpoint, false);
            PacketFsFileReceiver receiver = new PacketFsFileReceiver(pool, output,
                    Transfers.config(timeout, reliable, frameLength, 0, impair), bar);
            Channel ch;
            try {
                ch = PacketFsTransports.open(endpoint, PacketFsTransports.Role.LISTEN, group,
                        receiver.initializer(), frameLength).sync().channel();
            } catch (Exception | Error e) {
                ready.completeExceptionally(e);
                throw e;
            }
            Thread hook = new Thread(() -> receiver.abort("the receiver was interrupted"));
            Runtime.getRuntime().addShutdownHook(hook);
            ready.complete(ch);
            try {
                TransferResult r = TransferResult.await(receiver.result());
                // the CLOSE unit must reach the sender before the socket goes away (repaired if lost, up to 2 s)
                receiver.close(ch, Duration.ofSeconds(2));
                return r;
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // shutting down already
                }
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
