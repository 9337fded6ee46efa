package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.concurrent.FastThreadLocalThread;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run's holder is recycled when a release frees its content: a released run reads as released (refCnt 0, content
 * and a second release refused), and a holder handed out again carries only its new run.
 */
class PacketFsRefsTest {

    @Test
    void aReleasedRunIsRefusedLikeAReleasedBuffer() {
        ByteBuf packed = Unpooled.directBuffer(8).writeInt(7).writeInt(9);
        PacketFsRefs run = PacketFsRefs.wrap(PacketFsTier.L3, packed);
        assertThat(run.count()).isEqualTo(2);
        assertThat(run.retain().refCnt()).isEqualTo(2);
        assertThat(run.release()).isFalse();
        assertThat(run.ref(1)).isEqualTo(9);
        assertThat(run.release()).isTrue();
        assertThat(packed.refCnt()).isZero();
        assertThat(run.refCnt()).isZero();
        assertThatThrownBy(run::content).isInstanceOf(IllegalReferenceCountException.class);
        assertThatThrownBy(run::release).isInstanceOf(IllegalReferenceCountException.class);
    }

    @Test
    void slicesShareTheMemoryAndAreReleasedOnTheirOwn() {
        PacketFsRefs run = PacketFsRefs.pack(UnpooledByteBufAllocator.DEFAULT, PacketFsTier.L2, new int[] {1, 2, 3, 4},
                0, 4);
        PacketFsRefs slice = run.retainedSlice(1, 2);
        assertThat(slice.tier()).isEqualTo(PacketFsTier.L2);
        assertThat(slice.count()).isEqualTo(2);
        assertThat(slice.ref(0)).isEqualTo(2);
        PacketFsRefs same = PacketFsRefs.pack(UnpooledByteBufAllocator.DEFAULT, PacketFsTier.L2, new int[] {2, 3},
                0, 2);
        assertThat(slice).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(same.release()).isTrue();
        assertThat(run.release()).isFalse(); // the slice still holds the memory
        assertThat(slice.ref(1)).isEqualTo(3);
        assertThat(slice.release()).isTrue();
        assertThat(run.refCnt()).isZero();
    }

    @Test
    void onAnEventLoopThreadHoldersAreReusedAndCarryOnlyTheirNewRun() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int[] distinct = new int[1];
        Thread loop = new FastThreadLocalThread(() -> {
            try {
                Map<PacketFsRefs, Boolean> seen = new IdentityHashMap<>();
                List<ByteBuf> buffers = new ArrayList<>();
                for (int i = 0; i < 1_000; i++) {
                    ByteBuf packed = Unpooled.buffer(2).writeShort(i);
                    buffers.add(packed);
                    PacketFsRefs run = PacketFsRefs.wrap(PacketFsTier.L2, packed);
                    seen.put(run, Boolean.TRUE);
                    assertThat(run.count()).isEqualTo(1);
                    assertThat(run.ref(0)).isEqualTo(i);
                    assertThat(run.content()).isSameAs(packed);
                    assertThat(run.release()).isTrue();
                }
                distinct[0] = seen.size();
                assertThat(buffers).allMatch(b -> b.refCnt() == 0);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        loop.start();
        loop.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        // one holder serves run after run (a recycler may keep a few, never one per run)
        assertThat(distinct[0]).isLessThan(10);
    }
}
