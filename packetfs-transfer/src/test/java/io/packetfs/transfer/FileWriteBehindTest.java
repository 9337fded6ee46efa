package io.packetfs.transfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link FileWriteBehind}: pieces of any size land in order, the digest is the file's, errors come back. */
class FileWriteBehindTest {

    @TempDir
    Path dir;

    @Test
    void piecesOfEverySizeLandInOrderAndTheDigestIsTheFiles() throws Exception {
        Path out = dir.resolve("out.bin");
        SplittableRandom random = new SplittableRandom(9);
        byte[] data = new byte[5 * FileWriteBehind.BUFFER_BYTES + 12_345];
        random.nextBytes(data);
        try (FileChannel file = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileWriteBehind w = new FileWriteBehind(file, MessageDigest.getInstance("SHA-256"), "test-writer")) {
            for (int at = 0; at < data.length; ) {
                // from a byte to more than a buffer, so pieces straddle every buffer boundary
                int n = Math.min(data.length - at, 1 + random.nextInt(random.nextBoolean() ? 2000
                        : 2 * FileWriteBehind.BUFFER_BYTES));
                ByteBuf piece = Unpooled.wrappedBuffer(data, at, n);
                w.write(piece);
                assertEquals(n, piece.readableBytes(), "write leaves the indexes alone");
                piece.release();
                at += n;
            }
            byte[] digest = w.finish().get(30, TimeUnit.SECONDS);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), digest);
        }
        assertArrayEquals(data, Files.readAllBytes(out));
    }

    @Test
    void largePiecesGoToTheWriterUncopiedInOrderWithSmallOnesAndTheWriterLetsThemGo() throws Exception {
        Path out = dir.resolve("out.bin");
        SplittableRandom random = new SplittableRandom(10);
        byte[] data = new byte[3 * FileWriteBehind.BUFFER_BYTES];
        random.nextBytes(data);
        java.util.List<ByteBuf> kept = new java.util.ArrayList<>();
        try (FileChannel file = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileWriteBehind w = new FileWriteBehind(file, MessageDigest.getInstance("SHA-256"), "test-writer")) {
            for (int at = 0, i = 0; at < data.length; i++) {
                // small, handed over, small, ...: more handed-over pieces than the writer may hold at once
                int n = Math.min(data.length - at, i % 2 == 0 ? 1 + random.nextInt(3000)
                        : FileWriteBehind.HANDOFF_BYTES + random.nextInt(FileWriteBehind.HANDOFF_BYTES));
                ByteBuf piece = io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(n);
                piece.writeBytes(data, at, n);
                w.write(piece);
                assertEquals(n, piece.readableBytes(), "write leaves the indexes alone");
                kept.add(piece);
                at += n;
            }
            byte[] digest = w.finish().get(30, TimeUnit.SECONDS);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), digest);
            assertThat(kept).allSatisfy(b -> assertEquals(1, b.refCnt(), "the writer released its reference"));
        } finally {
            kept.forEach(ByteBuf::release);
        }
        assertArrayEquals(data, Files.readAllBytes(out));
    }

    @Test
    void aWriteErrorComesBackFromFinish() throws Exception {
        Path out = dir.resolve("out.bin");
        Files.write(out, new byte[0]);
        FileChannel readOnly = FileChannel.open(out, StandardOpenOption.READ);
        try (FileWriteBehind w = new FileWriteBehind(readOnly, MessageDigest.getInstance("SHA-256"), "test-writer")) {
            ByteBuf piece = Unpooled.wrappedBuffer(new byte[FileWriteBehind.BUFFER_BYTES + 10]);
            IOException failure = null;
            try {
                // the first buffer goes to the writer, which cannot write it: the error comes back from this write
                // (when the writer failed before the rest was copied) or from finish, never not at all
                w.write(piece);
            } catch (IOException e) {
                failure = e;
            } finally {
                piece.release();
            }
            if (failure == null) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> w.finish().get(30, TimeUnit.SECONDS));
                assertThat(e.getCause()).isInstanceOf(IOException.class);
            } else {
                assertThat(failure).hasCauseInstanceOf(java.nio.channels.NonWritableChannelException.class);
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> w.finish().get(30, TimeUnit.SECONDS));
                assertThat(e.getCause()).isSameAs(failure);
            }
        } finally {
            readOnly.close();
        }
    }
}
