package io.packetfs.transfer;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.PacketFsCloseWindow;
import io.packetfs.codec.PacketFsControlUnit;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolEncoder;
import io.packetfs.codec.pool.PacketFsPoolEncoderHandler;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The receiver's session state machine (docs/PROTOCOL.md 7) on an EmbeddedChannel, fed by a peer whose frames come
 * from the real codec and pool encoder (unreliable mode, so that every unit is delivered as sent): END before FILE,
 * a repeated FILE, CLOSE in every state, a HELLO for another pool, and a transfer that verifies.
 */
class FileReceiveHandlerTest {

    private static final PacketFsTransferConfig CONFIG = PacketFsTransferConfig.builder().reliable(false)
            .frameLength(PacketFsTransferConfig.MAX_FRAME_LENGTH).build();

    @TempDir
    Path dir;
    private PacketFsPool pool;
    private PacketFsFileReceiver receiver;
    private EmbeddedChannel rx;
    private EmbeddedChannel peer;
    private Path output;

    @BeforeEach
    void setUp() {
        pool = PacketFsPool.synthetic(1 << 20, 7, PacketFsPoolGeometry.DEFAULT);
        output = dir.resolve("out.bin");
        receiver = new PacketFsFileReceiver(pool, output, CONFIG, null);
        rx = new EmbeddedChannel(receiver.initializer());
        peer = new EmbeddedChannel();
        PacketFsPipelines.addCodec(peer.pipeline(), CONFIG.codecConfig());
        peer.pipeline().addLast(new PacketFsPoolEncoderHandler(new PacketFsPoolEncoder(pool,
                ByteBufAllocator.DEFAULT, PacketFsPoolEncoder.DEFAULT_MAX_BODY)));
    }

    @AfterEach
    void tearDown() {
        rx.finishAndReleaseAll();
        peer.finishAndReleaseAll();
        pool.close();
    }

    /** Writes {@code msg} on the peer and delivers its frames to the receiver. */
    private void send(Object msg) {
        peer.writeAndFlush(msg);
        for (Object f; (f = peer.readOutbound()) != null; ) {
            rx.writeInbound(f);
        }
    }

    /** The opcodes and CLOSE codes the receiver sent since the last call, as "HELLO", "CLOSE 3", "SYNC_ACK". */
    private List<String> replies() {
        List<String> out = new ArrayList<>();
        for (Object f; (f = rx.readOutbound()) != null; ) {
            peer.writeInbound(f);
        }
        for (Object m; (m = peer.readInbound()) != null; ) {
            try {
                if (m instanceof PacketFsControlUnit) {
                    PacketFsControlUnit u = (PacketFsControlUnit) m;
                    out.add(u.opcode() == PacketFsControlUnit.CLOSE
                            ? "CLOSE " + PacketFsTransferUnits.parseClose(u.content()).code()
                            : u.opcode() == PacketFsControlUnit.HELLO ? "HELLO" : "SYNC_ACK");
                }
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
        return out;
    }

    private void hello(PacketFsPool p) {
        send(PacketFsTransferUnits.hello(peer.alloc(), PacketFsTransferUnits.ROLE_SENDER, p));
    }

    /** Runs the receiver's tasks until its result is there (the writer thread and the rename finish elsewhere). */
    private CompletableFuture<PacketFsTransferResult> settle() throws InterruptedException {
        for (int i = 0; i < 10_000 && !receiver.result().isDone(); i++) {
            rx.runPendingTasks();
            Thread.sleep(1);
        }
        return receiver.result();
    }

    private String failure() throws InterruptedException {
        CompletableFuture<PacketFsTransferResult> r = settle();
        assertThat(r).isCompletedExceptionally();
        Throwable e = r.handle((ok, t) -> t).join();
        assertThat(e).isInstanceOf(PacketFsTransferException.class);
        assertThat(((PacketFsTransferException) e).result().ok()).isFalse();
        return e.getMessage();
    }

    private List<String> filesLeft() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static byte[] data(int n) {
        byte[] b = new byte[n];
        new SplittableRandom(n).nextBytes(b);
        return b;
    }

    @Test
    void aTransferVerifiesAndARepeatedFileChangesNothing() throws Exception {
        byte[] data = data(50_000);
        hello(pool);
        assertThat(replies()).containsExactly("HELLO");
        send(PacketFsTransferUnits.file(peer.alloc(), data.length, "in.bin"));
        send(PacketFsTransferUnits.file(peer.alloc(), 999, "other.bin")); // ignored: the first FILE stands
        send(Unpooled.wrappedBuffer(data));
        send(PacketFsCloseWindow.INSTANCE);
        send(PacketFsTransferUnits.end(peer.alloc(), data.length, 0, MessageDigest.getInstance("SHA-256")
                .digest(data)));
        PacketFsTransferResult r = settle().join();
        assertThat(r.ok()).isTrue();
        assertThat(r.fileBytes()).isEqualTo(data.length);
        assertThat(Files.readAllBytes(output)).isEqualTo(data);
        assertThat(replies()).contains("CLOSE " + PacketFsTransferUnits.CLOSE_OK);
        assertThat(filesLeft()).containsExactly("out.bin");
    }

    @Test
    void aWrongDigestFailsTheTransferAndLeavesNoFile() throws Exception {
        byte[] data = data(20_000);
        hello(pool);
        send(PacketFsTransferUnits.file(peer.alloc(), data.length, "in.bin"));
        send(Unpooled.wrappedBuffer(data));
        send(PacketFsCloseWindow.INSTANCE);
        send(PacketFsTransferUnits.end(peer.alloc(), data.length, 0, new byte[32]));
        assertThat(failure()).contains("SHA-256 mismatch");
        assertThat(replies()).contains("CLOSE " + PacketFsTransferUnits.CLOSE_INTEGRITY);
        assertThat(filesLeft()).isEmpty();
    }

    @Test
    void endBeforeFileIsAProtocolError() throws Exception {
        hello(pool);
        send(PacketFsTransferUnits.end(peer.alloc(), 0, 0, new byte[32]));
        assertThat(failure()).contains("END before FILE");
        assertThat(replies()).containsExactly("HELLO", "CLOSE " + PacketFsTransferUnits.CLOSE_PROTOCOL);
        assertThat(filesLeft()).isEmpty();
    }

    @Test
    void aHelloForAnotherPoolIsRefused() throws Exception {
        try (PacketFsPool other = PacketFsPool.synthetic(1 << 20, 8, PacketFsPoolGeometry.DEFAULT)) {
            hello(other);
        }
        assertThat(failure()).contains("pool mismatch").contains(pool.fingerprintHex());
        assertThat(replies()).containsExactly("CLOSE " + PacketFsTransferUnits.CLOSE_POOL_MISMATCH);
        assertThat(filesLeft()).isEmpty();
    }

    @Test
    void aCloseBeforeAnySenderWasAcceptedIsIgnored() throws Exception {
        send(PacketFsTransferUnits.close(peer.alloc(), PacketFsTransferUnits.CLOSE_ABORTED, "from a stranger"));
        rx.runPendingTasks();
        assertThat(receiver.result()).isNotDone();
        hello(pool); // a sender is still served afterwards
        assertThat(replies()).containsExactly("HELLO");
    }

    @Test
    void aCloseAfterHelloEndsTheTransfer() throws Exception {
        hello(pool);
        send(PacketFsTransferUnits.close(peer.alloc(), PacketFsTransferUnits.CLOSE_ABORTED, "changed my mind"));
        assertThat(failure()).isEqualTo("sender stopped the transfer: changed my mind");
        assertThat(filesLeft()).isEmpty();
    }

    @Test
    void aCloseAfterFileAndDataDeletesThePartialFile() throws Exception {
        hello(pool);
        send(PacketFsTransferUnits.file(peer.alloc(), 100_000, "in.bin"));
        assertThat(filesLeft()).hasSize(1).allMatch(n -> n.endsWith(".part"));
        send(Unpooled.wrappedBuffer(data(30_000)));
        send(PacketFsTransferUnits.close(peer.alloc(), PacketFsTransferUnits.CLOSE_ABORTED, "out of disk"));
        assertThat(failure()).contains("out of disk");
        assertThat(filesLeft()).isEmpty();
    }

    @Test
    void moreDataThanAnnouncedIsAnIntegrityError() throws Exception {
        hello(pool);
        send(PacketFsTransferUnits.file(peer.alloc(), 1_000, "in.bin"));
        send(Unpooled.wrappedBuffer(data(5_000)));
        assertThat(failure()).contains("more data than the announced 1000 bytes");
        assertThat(replies()).contains("CLOSE " + PacketFsTransferUnits.CLOSE_INTEGRITY);
        assertThat(filesLeft()).isEmpty();
    }

    @Test
    void anAbortedReceiverTellsTheSenderAndLeavesNoFile() throws Exception {
        hello(pool);
        send(PacketFsTransferUnits.file(peer.alloc(), 100_000, "in.bin"));
        CompletableFuture.runAsync(() -> receiver.abort("interrupted"));
        assertThat(failure()).isEqualTo("interrupted");
        assertThat(replies()).contains("CLOSE " + PacketFsTransferUnits.CLOSE_ABORTED);
        assertThat(filesLeft()).isEmpty();
    }
}
