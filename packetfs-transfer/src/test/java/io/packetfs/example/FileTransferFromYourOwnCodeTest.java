package io.packetfs.example;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import io.packetfs.transfer.PacketFsFileReceiver;
import io.packetfs.transfer.PacketFsFileSender;
import io.packetfs.transfer.PacketFsTransferConfig;
import io.packetfs.transfer.PacketFsTransferException;
import io.packetfs.transfer.PacketFsTransferResult;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsImpairment;
import io.packetfs.transport.PacketFsTransports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A file moved from a developer's own code with the public API only (this package is not the library's, so nothing
 * package-private is in reach): the sender and the receiver over UDP loopback, 5 % of the frames each side receives
 * lost. README shows {@link #send} and {@link #receive}. Counts and bytes are asserted, never time.
 */
class FileTransferFromYourOwnCodeTest {

    /** Sends {@code file} to {@code peer}: about 20 lines a developer writes. */
    static PacketFsTransferResult send(PacketFsPool pool, Path file, InetSocketAddress peer,
                                       PacketFsTransferConfig config, AtomicLong progress) throws Exception {
        EventLoopGroup group = PacketFsTransports.newEventLoopGroup(1);
        try {
            PacketFsEndpoint endpoint = PacketFsEndpoint.udp(peer.getHostString(), peer.getPort());
            PacketFsFileSender sender = new PacketFsFileSender(pool, file, config, (done, total) -> progress.set(done));
            Channel ch = PacketFsTransports.open(endpoint, PacketFsTransports.Role.CONNECT, group,
                    sender.initializer(), config.frameLength()).sync().channel();
            try {
                return sender.start(ch).get(60, TimeUnit.SECONDS);
            } finally {
                ch.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** A receiver listening on a free loopback port, writing {@code output}. */
    static Channel receive(EventLoopGroup group, PacketFsFileReceiver receiver) throws InterruptedException {
        return PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", 0), PacketFsTransports.Role.LISTEN, group,
                receiver.initializer(), receiver.config().frameLength()).sync().channel();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFileCrossesLossyLoopbackVerifiedWithTheRepairsCounted(@TempDir Path dir) throws Exception {
        Path poolFile = dir.resolve("pool.bin");
        PacketFsPool.writeSynthetic(poolFile, 4 << 20, 11);
        Path input = dir.resolve("in.bin");
        Path output = dir.resolve("out.bin");
        byte[] data = new byte[3 << 20];
        try (PacketFsPool pool = PacketFsPool.open(poolFile, PacketFsPoolGeometry.DEFAULT)) {
            pool.getBytes(1 << 20, data); // 3 MiB of the pool, then edits and a stretch of random bytes
        }
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 300; i++) {
            data[random.nextInt(data.length)] ^= (byte) (1 + random.nextInt(255));
        }
        for (int i = 2 << 20; i < (2 << 20) + 300_000; i++) {
            data[i] = (byte) random.nextInt();
        }
        Files.write(input, data);

        PacketFsImpairment.Settings lossy = PacketFsImpairment.Settings.builder().loss(0.05).seed(3).build();
        PacketFsTransferConfig base = PacketFsTransferConfig.builder().peerTimeout(Duration.ofSeconds(20)).build();
        EventLoopGroup group = PacketFsTransports.newEventLoopGroup(1);
        try (PacketFsPool senderPool = PacketFsPool.open(poolFile, PacketFsPoolGeometry.DEFAULT);
             PacketFsPool receiverPool = PacketFsPool.open(poolFile, PacketFsPoolGeometry.DEFAULT)) {
            PacketFsFileReceiver receiver = new PacketFsFileReceiver(receiverPool, output,
                    base.toBuilder().frameLength(PacketFsTransferConfig.MAX_FRAME_LENGTH).impairment(lossy).build(),
                    null);
            Channel listening = receive(group, receiver);
            AtomicLong progress = new AtomicLong();
            PacketFsTransferResult sent = send(senderPool, input, (InetSocketAddress) listening.localAddress(),
                    base.toBuilder().impairment(lossy).build(), progress);
            PacketFsTransferResult received = receiver.result().get(60, TimeUnit.SECONDS);
            receiver.close(listening, Duration.ofSeconds(2));

            byte[] sha = MessageDigest.getInstance("SHA-256").digest(data);
            assertThat(sent.ok()).isTrue();
            assertThat(received.ok()).isTrue();
            assertThat(sent.sha256()).isEqualTo(sha);
            assertThat(received.sha256()).isEqualTo(sha);
            assertThat(Files.readAllBytes(output)).isEqualTo(data);
            assertThat(sent.fileBytes()).isEqualTo(data.length);
            assertThat(received.fileBytes()).isEqualTo(data.length);
            assertThat(progress.get()).isEqualTo(data.length);
            // the pool content crossed as references: far fewer wire bytes than the file
            assertThat(sent.wireBytes()).isLessThan(data.length / 4);
            // lost frames were repaired, and the receiver asked for them
            assertThat(sent.repair().retransmitted()).isPositive();
            assertThat(received.repair().nacksSent()).isPositive();
            assertThat(sent.congestion()).isNotNull();
            assertThat(received.congestion()).isNull();
            try (var left = Files.list(dir)) {
                assertThat(left.map(p -> p.getFileName().toString()))
                        .noneMatch(n -> n.endsWith(".part"));
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSenderWithAnotherPoolIsRefusedOnBothSidesAndNoFileIsLeft(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("in.bin");
        Files.write(input, new byte[100_000]);
        Path output = dir.resolve("out.bin");
        PacketFsTransferConfig config = PacketFsTransferConfig.builder().peerTimeout(Duration.ofSeconds(5)).build();
        EventLoopGroup group = PacketFsTransports.newEventLoopGroup(1);
        try (PacketFsPool mine = PacketFsPool.synthetic(1 << 20, 1, PacketFsPoolGeometry.DEFAULT);
             PacketFsPool theirs = PacketFsPool.synthetic(1 << 20, 2, PacketFsPoolGeometry.DEFAULT)) {
            PacketFsFileReceiver receiver = new PacketFsFileReceiver(theirs, output,
                    config.toBuilder().frameLength(PacketFsTransferConfig.MAX_FRAME_LENGTH).build(), null);
            Channel listening = receive(group, receiver);
            InetSocketAddress at = (InetSocketAddress) listening.localAddress();
            assertThatThrownBy(() -> send(mine, input, at, config, new AtomicLong()))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(PacketFsTransferException.class)
                    .hasMessageContaining("pool mismatch");
            assertThatThrownBy(() -> receiver.result().get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(PacketFsTransferException.class).hasMessageContaining("pool mismatch");
            PacketFsTransferException failed = (PacketFsTransferException) receiver.result().handle((r, e) -> e)
                    .get();
            assertThat(failed.result().ok()).isFalse();
            receiver.close(listening, Duration.ofSeconds(1));
            assertThat(output).doesNotExist();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void configurationErrorsSayWhatIsAllowed() {
        assertThatThrownBy(() -> PacketFsTransferConfig.builder().frameLength(100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("548..8972");
        assertThatThrownBy(() -> PacketFsTransferConfig.builder().peerTimeout(Duration.ofMillis(10)))
                .hasMessageContaining("1 s .. 1 h");
        assertThatThrownBy(() -> PacketFsTransferConfig.builder().maxRate(10))
                .hasMessageContaining("at least 1,000");
        assertThatThrownBy(() -> PacketFsTransferConfig.builder().reliable(false).maxRate(1_000_000).build())
                .hasMessageContaining("reliable");
        PacketFsTransferConfig c = PacketFsTransferConfig.builder().frameLength(8972).maxRate(12_500_000).build();
        assertThat(c.codecConfig().maxFrameLength()).isEqualTo(8972);
        assertThat(c.codecConfig().windowPow2()).isEqualTo(PacketFsTransferConfig.WINDOW_POW2);
        assertThat(c.reliabilityConfig().maxRateBytesPerSecond()).isEqualTo(12_500_000);
        // bytes in flight bounded by MAX_IN_FLIGHT_BYTES: 3 MiB of 8,972-byte frames
        assertThat(c.reliabilityConfig().maxInFlightFrames()).isEqualTo((3 << 20) / 8972);
        assertThat(c.toBuilder().build().toString()).isEqualTo(c.toString());
    }
}
