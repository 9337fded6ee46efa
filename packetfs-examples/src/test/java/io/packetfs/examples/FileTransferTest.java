package io.packetfs.examples;

import io.netty.channel.Channel;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import io.packetfs.transport.PacketFsEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole file transfers (send and recv, in this JVM, over UDP loopback) against a generated 4 MiB pool: the received
 * file must be byte-identical, and a pool mismatch must stop both sides without leaving an output file.
 */
class FileTransferTest {

    private static final long POOL_SIZE = 4L << 20;
    private static PacketFsPool pool;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        pool = PacketFsPool.synthetic(POOL_SIZE, 7, PacketFsPoolGeometry.DEFAULT);
    }

    @AfterAll
    static void tearDown() {
        pool.close();
    }

    @Test
    void dataWhollyInThePool() throws Exception {
        byte[] data = new byte[1 << 20];
        Transfers.read(pool, 12_345, data, 0, data.length); // unaligned slice
        TransferResult[] r = transfer(pool, pool, data);
        assertTrue(r[1].ok, r[1].message);
        assertThat(r[0].firstTransmissionBytes).isLessThan(data.length / 100);
    }

    @Test
    void randomData() throws Exception {
        byte[] data = new byte[300_000];
        new SplittableRandom(3).nextBytes(data);
        TransferResult[] r = transfer(pool, pool, data);
        assertTrue(r[1].ok, r[1].message);
        // the encoding's expansion: what went on the wire once (repairs of frames a busy machine delayed aside)
        assertThat(r[0].firstTransmissionBytes).as(r[0].summary("send")).isLessThan((long) (data.length * 1.03));
    }

    @Test
    void aPoolSliceEditedWithInsertionsAndDeletions() throws Exception {
        byte[] slice = new byte[2 << 20];
        Transfers.read(pool, 777, slice, 0, slice.length);
        SplittableRandom random = new SplittableRandom(11);
        java.io.ByteArrayOutputStream edited = new java.io.ByteArrayOutputStream();
        int at = 0;
        while (at < slice.length) {
            int keep = Math.min(slice.length - at, 5_000 + random.nextInt(50_000));
            edited.write(slice, at, keep);
            at += keep;
            if (random.nextBoolean()) {
                byte[] insert = new byte[1 + random.nextInt(300)];
                random.nextBytes(insert);
                edited.write(insert, 0, insert.length);
            } else {
                at += 1 + random.nextInt(300); // a deletion
            }
        }
        TransferResult[] r = transfer(pool, pool, edited.toByteArray());
        assertTrue(r[1].ok, r[1].message);
        assertThat(r[0].firstTransmissionBytes).isLessThan(edited.size() / 10);
    }

    @Test
    void anEmptyFile() throws Exception {
        TransferResult[] r = transfer(pool, pool, new byte[0]);
        assertTrue(r[1].ok, r[1].message);
        assertEquals(0, r[1].fileBytes);
    }

    @Test
    void aFileLargerThanThePool() throws Exception {
        byte[] data = new byte[(int) POOL_SIZE + (1 << 20)];
        Transfers.read(pool, 0, data, 0, (int) POOL_SIZE);
        Transfers.read(pool, 100, data, (int) POOL_SIZE, 1 << 20);
        TransferResult[] r = transfer(pool, pool, data);
        assertTrue(r[1].ok, r[1].message);
    }

    @Test
    void aPoolMismatchStopsBothSidesAndLeavesNoFile() throws Exception {
        try (PacketFsPool other = PacketFsPool.synthetic(POOL_SIZE, 8, PacketFsPoolGeometry.DEFAULT)) {
            Path out = dir.resolve("out.bin");
            TransferResult[] r = transfer(other, pool, new byte[1000], out);
            assertFalse(r[0].ok);
            assertFalse(r[1].ok);
            assertThat(r[0].message).contains("pool mismatch");
            assertThat(r[1].message).contains("pool mismatch");
            assertFalse(Files.exists(out));
            try (var files = Files.list(dir)) {
                assertThat(files.filter(p -> p.toString().endsWith(".part"))).isEmpty();
            }
        }
    }

    @Test
    void poolCreateSendAndRecvFromTheCommandLine() throws Exception {
        Path poolFile = dir.resolve("pool.bin");
        assertEquals(0, PacketFsCli.newCommandLine().execute("pool", "create", "--size", "2M", "--seed", "5",
                poolFile.toString()));
        assertEquals(2L << 20, Files.size(poolFile));
        byte[] data = new byte[700_000];
        try (PacketFsPool p = PacketFsPool.open(poolFile, PacketFsPoolGeometry.DEFAULT)) {
            Transfers.read(p, 3, data, 0, data.length);
        }
        Path input = dir.resolve("in.bin");
        Path output = dir.resolve("out.bin");
        Files.write(input, data);
        int port;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0)) {
            port = s.getLocalPort();
        }
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
            RecvCommand recv = new RecvCommand();
            Future<Integer> rx = exec.submit(() -> new CommandLine(recv).execute("--pool", poolFile.toString(),
                    "--udp", "127.0.0.1:" + port, "--out", output.toString(), "--no-progress"));
            recv.ready.get(20, TimeUnit.SECONDS);
            assertEquals(0, PacketFsCli.newCommandLine().execute("send", "--pool", poolFile.toString(),
                    "--udp", "127.0.0.1:" + port, "--no-progress", input.toString()));
            assertEquals(0, rx.get(30, TimeUnit.SECONDS));
        } finally {
            exec.shutdownNow();
        }
        assertEquals(-1, Files.mismatch(input, output));
        assertTrue(Files.exists(poolFile.resolveSibling("pool.bin.pfsanc")),
                "the sender's anchor table is cached next to the pool");
        assertFalse(Files.exists(poolFile.resolveSibling("pool.bin.pfsidx")),
                "no index: the send path does not use it");
    }

    @Test
    void strayGarbageBeforeTheSenderIsIgnoredAndASilentSenderLeavesNoFile() throws Exception {
        Path out = dir.resolve("out.bin");
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Channel> ready = new CompletableFuture<>();
            Future<TransferResult> rx = exec.submit(() -> RecvCommand.receive(pool,
                    PacketFsEndpoint.udp("127.0.0.1", 0), out, false, 1, true, ready));
            int port = ((InetSocketAddress) ready.get(20, TimeUnit.SECONDS).localAddress()).getPort();
            io.netty.channel.EventLoopGroup group = io.packetfs.transport.PacketFsTransports.newEventLoopGroup(1);
            try {
                io.netty.channel.embedded.EmbeddedChannel codec = new io.netty.channel.embedded.EmbeddedChannel();
                io.packetfs.codec.PacketFsPipelines.addReliableCodec(codec.pipeline(), Transfers.CONFIG,
                        io.packetfs.codec.reliability.PacketFsReliabilityConfig.DEFAULT);
                Channel ch = io.packetfs.transport.PacketFsTransports.open(PacketFsEndpoint.udp("127.0.0.1", port),
                        io.packetfs.transport.PacketFsTransports.Role.CONNECT, group,
                        new io.netty.channel.ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                                io.netty.util.ReferenceCountUtil.release(msg);
                            }
                        }).sync().channel();
                // garbage first: the receiver has accepted nobody yet, so it must ignore it
                ch.writeAndFlush(ch.alloc().buffer().writeBytes(new byte[] {1, 2, 3, 4, 5})).sync();
                // then a HELLO and FILE built by the real codec, and some data, then silence
                codec.write(io.packetfs.transfer.PacketFsTransferUnits.hello(codec.alloc(),
                        io.packetfs.transfer.PacketFsTransferUnits.ROLE_SENDER, pool));
                codec.write(io.packetfs.transfer.PacketFsTransferUnits.file(codec.alloc(), 1_000_000, "x.bin"));
                codec.write(io.packetfs.codec.PacketFsRefs.pack(codec.alloc(), io.packetfs.codec.PacketFsTier.L1,
                        new int[300], 0, 300));
                codec.flush();
                for (Object f; (f = codec.readOutbound()) != null; ) {
                    ch.writeAndFlush(f).sync();
                }
                codec.finishAndReleaseAll();
                TransferResult r = rx.get(30, TimeUnit.SECONDS);
                assertFalse(r.ok);
                assertThat(r.message).contains("went silent");
                assertFalse(Files.exists(out));
                try (var files = Files.list(dir)) {
                    assertThat(files.filter(p -> p.toString().endsWith(".part"))).isEmpty();
                }
                ch.close().sync();
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void aRenameThatFailsAfterVerificationStopsBothSidesAndLeavesNoPartialFile() throws Exception {
        // the output name is taken by a directory that is not empty: the data arrives and verifies, then the
        // rename (done off the event loop, after the sync) fails; both sides must say so, and nothing is left over
        Path out = dir.resolve("taken");
        Files.createDirectories(out.resolve("inside"));
        byte[] data = new byte[200_000];
        Transfers.read(pool, 4_321, data, 0, data.length);
        TransferResult[] r = transfer(pool, pool, data, out);
        assertThat(r[1].ok).isFalse();
        assertThat(r[1].message).contains("cannot write " + out);
        assertThat(r[0].ok).isFalse();
        assertThat(r[0].message).contains("cannot write");
        assertTrue(Files.isDirectory(out.resolve("inside")), "the directory in the way is untouched");
        try (java.util.stream.Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    private TransferResult[] transfer(PacketFsPool senderPool, PacketFsPool receiverPool, byte[] data)
            throws Exception {
        Path out = dir.resolve("out.bin");
        TransferResult[] r = transfer(senderPool, receiverPool, data, out);
        if (r[1].ok) {
            assertEquals(-1, Files.mismatch(dir.resolve("in.bin"), out), "received file differs");
        }
        return r;
    }

    private TransferResult[] transfer(PacketFsPool senderPool, PacketFsPool receiverPool, byte[] data, Path out)
            throws Exception {
        Path input = dir.resolve("in.bin");
        Files.write(input, data);
        return Transfers.overLoopback(senderPool, receiverPool, input, out, 10, true, false, null, null);
    }
}
