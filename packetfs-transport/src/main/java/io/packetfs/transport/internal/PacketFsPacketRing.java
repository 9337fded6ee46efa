package io.packetfs.transport.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.packetfs.transport.internal.PacketFsEthernetConstants.TP_STATUS_OFFSET;
import static io.packetfs.transport.internal.PacketFsEthernetConstants.TP_STATUS_TS_MASK;

/**
 * One TPACKET_V2 ring (RX or TX) inside the memory that {@link PacketFsPacketRings} mapped: fixed-size frame slots,
 * each starting with a struct tpacket2_hdr whose {@code tp_status} word the application and the kernel hand back and
 * forth. The slots are visited in order, as the kernel does; {@link #head()} is the next one.
 *
 * <p>Status words are read with acquire and written with release semantics (a {@link VarHandle} over the direct
 * buffer, so no JNA and no allocation per frame): the frame bytes written before a release are visible to the kernel
 * once it sees the new status, and the bytes the kernel wrote are visible once the status is read. Event-loop only.
 */
public final class PacketFsPacketRing {

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final ByteBuffer memory;
    private final int[] slots;
    private final int frameSize;
    private int head;

    PacketFsPacketRing(ByteBuffer memory, int offset, int blockSize, int blocks, int frameSize) {
        this.memory = memory;
        this.frameSize = frameSize;
        int perBlock = blockSize / frameSize;
        slots = new int[perBlock * blocks];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = offset + (i / perBlock) * blockSize + (i % perBlock) * frameSize;
        }
    }

    /** Number of slots. */
    public int frames() {
        return slots.length;
    }

    /** Bytes per slot, header included. */
    public int frameSize() {
        return frameSize;
    }

    /** Offset (in the mapping) of the next slot to use. */
    public int head() {
        return slots[head];
    }

    /** Moves to the next slot. */
    public void advance() {
        head = head + 1 == slots.length ? 0 : head + 1;
    }

    /** Moves back one slot (TX: takes back a slot that the kernel did not take). */
    public void retreat() {
        head = head == 0 ? slots.length - 1 : head - 1;
    }

    /** Offset of the slot before the head. */
    public int previous() {
        return slots[head == 0 ? slots.length - 1 : head - 1];
    }

    /** The status of the slot at {@code slot}, timestamp bits cleared; an acquire read. */
    public int status(int slot) {
        return (int) INT.getAcquire(memory, slot + TP_STATUS_OFFSET) & ~TP_STATUS_TS_MASK;
    }

    /** Hands the slot over: a release write of {@code status}, after everything written to the slot before. */
    public void publish(int slot, int status) {
        INT.setRelease(memory, slot + TP_STATUS_OFFSET, status);
    }

    /** A u32 header field of a slot (host order). */
    public int getInt(int index) {
        return memory.getInt(index);
    }

    /** An unsigned u16 header field of a slot (host order). */
    public int getUnsignedShort(int index) {
        return memory.getShort(index) & 0xFFFF;
    }

    /** Sets a u32 header field of a slot (host order); published by the next {@link #publish}. */
    public void putInt(int index, int value) {
        memory.putInt(index, value);
    }
}
