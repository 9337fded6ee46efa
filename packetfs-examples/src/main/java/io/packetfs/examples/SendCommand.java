package io.packetfs.examples;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.transfer.PacketFsFileSender;
import io.packetfs.transfer.PacketFsTransferConfig;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsImpairment;
import io.packetfs.transport.PacketFsTransports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code ./packetfs send --pool FILE (--udp HOST:PORT | --l2 IFACE [--peer MAC]) INPUT}. */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = {"Sends INPUT to a 'packetfs recv' that holds the same pool, as references into the pool.",
                "Prints a summary; exits non-zero with the reason if the receiver does not verify the file."})
final class SendCommand implements Callable<Integer> {

    /** Parses --rate: bytes per second (k, M, G decimal) or bits per second (kbit, mbit, gbit). */
    static final class RateConverter implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return Transfers.parseRate(value);
        }
    }

    @Option(names = "--pool", required = true, paramLabel = "FILE", description = "The pool both sides hold.")
    Path poolFile;

    @Mixin
    TransportOptions transport;

    @Mixin
    MetricsOptions metricsOptions;

    @Parameters(paramLabel = "INPUT", description = "The file to send.")
    Path input;

    @Option(names = "--timeout", defaultValue = "10",
            description = "Seconds without an answer from the receiver before giving up (default ${DEFAULT-VALUE}).")
    int timeout;

    @Option(names = "--rate", paramLabel = "RATE", converter = RateConverter.class,
            description = {"Never send faster than RATE, repairs included (as rsync's --bwlimit): bytes per second "
                    + "with an optional k, M or G (decimal), or bits per second as kbit, mbit, gbit "
                    + "(100mbit = 12.5M). Congestion control still slows down below it. Default: no cap."})
    long rate;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Mixin
    SimulateOption delivery = new SimulateOption();

    @Override
    @SuppressWarnings("try") // the resource is the metrics server, open while the command runs
    public Integer call() throws Exception {
        try (CliMetrics metrics = metricsOptions.start()) {
            return sendFile();
        }
    }

    private Integer sendFile() throws Exception {
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("input " + input + " is not a readable file");
        }
        PacketFsEndpoint endpoint = transport.endpoint();
        try (PacketFsPool pool = Transfers.openPool(poolFile)) {
            Transfers.prepareSender(pool, poolFile);
            if (rate > 0 && delivery.unreliable) {
                throw new IllegalArgumentException("--rate paces reliable delivery; it does not work with --unreliable");
            }
            TransferResult r = send(pool, endpoint, input, timeout, !noProgress, !delivery.unreliable,
                    delivery.impairment(), rate);
            System.out.println(r.summary("send"));
            return r.ok ? 0 : 1;
        }
    }

    static TransferResult send(PacketFsPool pool, PacketFsEndpoint endpoint, Path input,
                               int timeout, boolean progress, boolean reliable) throws Exception {
        return send(pool, endpoint, input, timeout, progress, reliable, null);
    }

    /** Sends {@code input}; {@code impair} (may be null) impairs what the sender receives (--simulate). */
    static TransferResult send(PacketFsPool pool, PacketFsEndpoint endpoint, Path input,
                               int timeout, boolean progress, boolean reliable, PacketFsImpairment.Settings impair)
            throws Exception {
        return send(pool, endpoint, input, timeout, progress, reliable, impair, 0);
    }

    /** As above, never faster than {@code maxRate} wire bytes per second (0: no cap; reliable mode only). */
    static TransferResult send(PacketFsPool pool, PacketFsEndpoint endpoint, Path input,
                               int timeout, boolean progress, boolean reliable, PacketFsImpairment.Settings impair,
                               long maxRate) throws Exception {
        EventLoopGroup group = PacketFsTransports.newEventLoopGroup(1);
        try (Transfers.Progress bar = progress ? new Transfers.Progress("send") : null) {
            int frameLength = PacketFsTransferConfig.frameLengthFor(endpoint, true);
            PacketFsFileSender sender = new PacketFsFileSender(pool, input,
                    Transfers.config(timeout, reliable, frameLength, maxRate, impair), bar);
            Channel ch = PacketFsTransports.open(endpoint, PacketFsTransports.Role.CONNECT, group,
                    sender.initializer(), frameLength).sync().channel();
            TransferResult r = TransferResult.await(sender.start(ch));
            ch.close().sync();
            return r;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
