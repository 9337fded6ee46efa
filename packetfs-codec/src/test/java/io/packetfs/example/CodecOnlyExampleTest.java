package io.packetfs.example;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.PacketFsCloseWindow;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsCrcWindowChecker;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsSync;
import io.packetfs.codec.PacketFsSyncInserter;
import io.packetfs.codec.PacketFsSyncValidator;
import io.packetfs.codec.PacketFsTier;
import io.packetfs.codec.PacketFsTierDecoder;
import io.packetfs.codec.PacketFsTierEncoder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README's "Using the handlers", compiled and run: the codec alone, from a package of its own (public API only).
 * A sender's pipeline turns runs of references into frames, a receiver's turns the frames back into the same
 * references, with a SYNC unit whose CRC16 checks out at every window boundary.
 */
class CodecOnlyExampleTest {

    @Test
    void referencesCrossAsFramesAndComeBackWithCheckedWindows() {
        PacketFsConfig config = PacketFsConfig.builder().windowPow2(16).crcEnabled(true).maxFrameLength(1500).build();
        EmbeddedChannel sender = new EmbeddedChannel();
        sender.pipeline().addLast(new PacketFsTierEncoder(config), new PacketFsSyncInserter(config));
        EmbeddedChannel receiver = new EmbeddedChannel();
        receiver.pipeline().addLast(new PacketFsTierDecoder(config), new PacketFsCrcWindowChecker(),
                new PacketFsSyncValidator(config));

        int[] refs = new int[100_000]; // 100,000 L3 references: one window of 65,536 and a part of the next
        for (int i = 0; i < refs.length; i++) {
            refs[i] = i * 7919;
        }
        sender.write(PacketFsRefs.pack(sender.alloc(), PacketFsTier.L3, refs, 0, refs.length));
        sender.writeAndFlush(PacketFsCloseWindow.INSTANCE); // the last, partly filled window gets its SYNC unit now
        int frames = 0;
        for (Object f; (f = sender.readOutbound()) != null; frames++) {
            assertThat(((ByteBuf) f).readableBytes()).isLessThanOrEqualTo(1500);
            receiver.writeInbound(f);
        }

        List<Integer> got = new ArrayList<>();
        List<PacketFsSync.CrcStatus> windows = new ArrayList<>();
        for (Object m; (m = receiver.readInbound()) != null; ) {
            try {
                if (m instanceof PacketFsRefs) {
                    PacketFsRefs run = (PacketFsRefs) m;
                    for (int i = 0; i < run.count(); i++) {
                        got.add(run.ref(i));
                    }
                } else if (m instanceof PacketFsSync) {
                    windows.add(((PacketFsSync) m).status());
                }
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
        assertThat(frames).isGreaterThan(refs.length * 4 / 1500);
        assertThat(got).hasSize(refs.length);
        for (int i = 0; i < refs.length; i++) {
            assertThat(got.get(i)).isEqualTo(refs[i]);
        }
        assertThat(windows).containsExactly(PacketFsSync.CrcStatus.MATCH, PacketFsSync.CrcStatus.MATCH);
        sender.finishAndReleaseAll();
        receiver.finishAndReleaseAll();
    }
}
