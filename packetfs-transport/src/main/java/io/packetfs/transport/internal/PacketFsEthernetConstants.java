package io.packetfs.transport.internal;

/**
 * Constants of the Ethernet frame that carries PacketFS, and of the Linux socket options the raw channel sets.
 * One home for the numbers, shared by the channel and its set-up code.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 destination MAC (bytes 0..3)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | destination MAC (bytes 4..5)  |   source MAC (bytes 0..1)     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   source MAC (bytes 2..5)                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   EtherType 0x1337 (big end)  |  PacketFS frame (1..MTU bytes) ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Addresses are in transmission order, the EtherType in network byte order (big-endian).
 */
public final class PacketFsEthernetConstants {

    // ---- Ethernet header (SOCK_RAW: the application reads and writes it) ----

    /** Offset of the destination MAC. */
    public static final int DESTINATION_OFFSET = 0;
    /** Offset of the source MAC. */
    public static final int SOURCE_OFFSET = 6;
    /** Offset of the EtherType, big-endian. */
    public static final int ETHER_TYPE_OFFSET = 12;
    /** Length of the Ethernet header: two MACs and the EtherType. */
    public static final int HEADER_LENGTH = 14;
    /** Length of an 802.1Q tag, counted into receive buffers so that a tagged frame would still fit whole. */
    public static final int VLAN_TAG_LENGTH = 4;
    /** The PacketFS EtherType. */
    public static final int ETHER_TYPE = 0x1337;
    /** ETH_P_ALL: every protocol (used by tests that watch the wire). */
    public static final int ETH_P_ALL = 0x0003;

    // ---- SOL_SOCKET options ----

    /** SOL_SOCKET. */
    public static final int SOL_SOCKET = 1;
    /** SO_SNDBUFFORCE: like SO_SNDBUF, above wmem_max; needs CAP_NET_ADMIN. */
    public static final int SO_SNDBUFFORCE = 32;
    /** SO_RCVBUFFORCE: like SO_RCVBUF, above rmem_max; needs CAP_NET_ADMIN. */
    public static final int SO_RCVBUFFORCE = 33;

    // ---- SOL_PACKET options (linux/if_packet.h) ----

    /** SOL_PACKET. */
    public static final int SOL_PACKET = 263;
    /** PACKET_ADD_MEMBERSHIP, takes a struct packet_mreq. */
    public static final int PACKET_ADD_MEMBERSHIP = 1;
    /** PACKET_DROP_MEMBERSHIP, takes a struct packet_mreq. */
    public static final int PACKET_DROP_MEMBERSHIP = 2;
    /** PACKET_STATISTICS, gives a struct tpacket_stats and resets the kernel's counters. */
    public static final int PACKET_STATISTICS = 6;
    /** mr_type of a multicast membership. */
    public static final int PACKET_MR_MULTICAST = 0;

    /** PACKET_QDISC_BYPASS, int: 1 hands frames straight to the driver, skipping the qdisc layer. */
    public static final int PACKET_QDISC_BYPASS = 20;

    /** PACKET_RX_RING, takes a struct tpacket_req. */
    public static final int PACKET_RX_RING = 5;
    /** PACKET_VERSION, int: the ring frame layout ({@link #TPACKET_V2}). */
    public static final int PACKET_VERSION = 10;
    /** PACKET_TX_RING, takes a struct tpacket_req. */
    public static final int PACKET_TX_RING = 13;
    /** PACKET_LOSS, int: 1 drops a malformed TX ring frame instead of stopping the ring at it. */
    public static final int PACKET_LOSS = 14;
    /** TPACKET_V2: fixed-size frames, each with a struct tpacket2_hdr. */
    public static final int TPACKET_V2 = 1;

    /**
     * struct tpacket_req (host order): unsigned tp_block_size @0, tp_block_nr @4, tp_frame_size @8, tp_frame_nr @12.
     */
    public static final int TPACKET_REQ_LENGTH = 16;

    /** struct tpacket2_hdr: u32 tp_status @0. */
    public static final int TP_STATUS_OFFSET = 0;
    /** struct tpacket2_hdr: u32 tp_len @4 (bytes on the wire). */
    public static final int TP_LEN_OFFSET = 4;
    /** struct tpacket2_hdr: u32 tp_snaplen @8 (bytes in the ring; RX). */
    public static final int TP_SNAPLEN_OFFSET = 8;
    /** struct tpacket2_hdr: u16 tp_mac @12 (offset of the Ethernet header from the frame start; RX). */
    public static final int TP_MAC_OFFSET = 12;
    /**
     * Where a TX frame's bytes start: TPACKET_ALIGN(sizeof(struct tpacket2_hdr)) = 32, the kernel's
     * tp_hdrlen - sizeof(struct sockaddr_ll) without PACKET_TX_HAS_OFF.
     */
    public static final int TPACKET2_TX_DATA_OFFSET = 32;
    /**
     * Where an RX frame's Ethernet header starts at most: TPACKET_ALIGN(TPACKET2_HDRLEN + 16) - 14 = 66. Frames are
     * sized so that MTU + 18 bytes fit from here, so that tp_snaplen always equals tp_len.
     */
    public static final int TPACKET2_RX_MAC_OFFSET = 66;
    /** TPACKET_ALIGNMENT: frames start on 16-byte boundaries. */
    public static final int TPACKET_ALIGNMENT = 16;

    /** TX tp_status: the slot is free for the application. */
    public static final int TP_STATUS_AVAILABLE = 0;
    /** TX tp_status: the application filled the slot; the next send() transmits it. */
    public static final int TP_STATUS_SEND_REQUEST = 1;
    /** RX tp_status: the slot belongs to the kernel. */
    public static final int TP_STATUS_KERNEL = 0;
    /** RX tp_status bit: the slot holds a frame for the application. */
    public static final int TP_STATUS_USER = 1;
    /** tp_status bits above the state (timestamp source flags). */
    public static final int TP_STATUS_TS_MASK = 0xE000_0000;

    /** struct packet_mreq: int mr_ifindex @0, u16 mr_type @4, u16 mr_alen @6, u8 mr_address[8] @8 (host order). */
    public static final int PACKET_MREQ_LENGTH = 16;
    /** Offset of mr_ifindex. */
    public static final int PACKET_MREQ_IFINDEX_OFFSET = 0;
    /** Offset of mr_type. */
    public static final int PACKET_MREQ_TYPE_OFFSET = 4;
    /** Offset of mr_alen. */
    public static final int PACKET_MREQ_ALEN_OFFSET = 6;
    /** Offset of mr_address. */
    public static final int PACKET_MREQ_ADDRESS_OFFSET = 8;

    /** struct tpacket_stats: unsigned tp_packets @0 (includes drops), unsigned tp_drops @4 (host order). */
    public static final int TPACKET_STATS_LENGTH = 8;
    /** Offset of tp_packets. */
    public static final int TPACKET_STATS_PACKETS_OFFSET = 0;
    /** Offset of tp_drops. */
    public static final int TPACKET_STATS_DROPS_OFFSET = 4;

    private PacketFsEthernetConstants() {
    }
}
