package io.packetfs.transport.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static io.packetfs.transport.internal.PacketFsLinux.AF_PACKET;
import static io.packetfs.transport.internal.PacketFsLinux.ARPHRD_ETHER;
import static io.packetfs.transport.internal.PacketFsLinux.ARPHRD_LOOPBACK;
import static io.packetfs.transport.internal.PacketFsLinux.EACCES;
import static io.packetfs.transport.internal.PacketFsLinux.EAFNOSUPPORT;
import static io.packetfs.transport.internal.PacketFsLinux.ENODEV;
import static io.packetfs.transport.internal.PacketFsLinux.EPERM;
import static io.packetfs.transport.internal.PacketFsLinux.IFF_UP;
import static io.packetfs.transport.internal.PacketFsLinux.IFNAMSIZ;
import static io.packetfs.transport.internal.PacketFsLinux.IFREQ_DATA_OFFSET;
import static io.packetfs.transport.internal.PacketFsLinux.IFREQ_LENGTH;
import static io.packetfs.transport.internal.PacketFsLinux.SIOCGIFFLAGS;
import static io.packetfs.transport.internal.PacketFsLinux.SIOCGIFHWADDR;
import static io.packetfs.transport.internal.PacketFsLinux.SIOCGIFINDEX;
import static io.packetfs.transport.internal.PacketFsLinux.SIOCGIFMTU;
import static io.packetfs.transport.internal.PacketFsLinux.SOCKADDR_LL_LENGTH;
import static io.packetfs.transport.internal.PacketFsLinux.SOCK_CLOEXEC;
import static io.packetfs.transport.internal.PacketFsLinux.SOCK_NONBLOCK;
import static io.packetfs.transport.internal.PacketFsLinux.SOCK_RAW;

/**
 * Opens an AF_PACKET SOCK_RAW socket bound to one interface and one EtherType, and reads the interface's index,
 * MAC address, MTU and flags (ioctl on the same socket, so in the socket's own network namespace).
 *
 * <p>The socket is created with protocol 0, which receives nothing, and only starts receiving when {@code bind}
 * names the interface and the EtherType: no frame of another interface can slip in between the two calls.
 *
 * <p>struct sockaddr_ll (20 bytes): u16 sll_family @0 (host order), u16 sll_protocol @2 (network order),
 * int sll_ifindex @4 (host order), u16 sll_hatype @8, u8 sll_pkttype @10, u8 sll_halen @11, u8 sll_addr[8] @12.
 */
public final class PacketFsPacketSocket {

    private static final int SLL_FAMILY_OFFSET = 0;
    private static final int SLL_PROTOCOL_OFFSET = 2;
    private static final int SLL_IFINDEX_OFFSET = 4;
    private static final int SA_FAMILY_LENGTH = 2;
    private static final int MAC_LENGTH = 6;

    private final int fd;
    private final String interfaceName;
    private final int ifindex;
    private final byte[] mac;
    private final int mtu;
    private final int flags;

    private PacketFsPacketSocket(int fd, String interfaceName, int ifindex, byte[] mac, int mtu, int flags) {
        this.fd = fd;
        this.interfaceName = interfaceName;
        this.ifindex = ifindex;
        this.mac = mac;
        this.mtu = mtu;
        this.flags = flags;
    }

    /**
     * Opens a non-blocking, close-on-exec AF_PACKET SOCK_RAW socket bound to {@code interfaceName} and
     * {@code protocol} (an EtherType, host order), in the calling thread's network namespace.
     *
     * @param netns only for messages: the namespace the calling thread is in, or null for the current one
     * @throws PacketFsErrnoException with a message that says what to do (permission, no such interface, down...)
     */
    public static PacketFsPacketSocket open(String interfaceName, int protocol, String netns)
            throws PacketFsErrnoException {
        byte[] ifreq = newIfreq(interfaceName);
        int fd = openSocket();
        boolean success = false;
        try {
            int ifindex;
            try {
                PacketFsLinux.ioctl(fd, SIOCGIFINDEX, ifreq);
                ifindex = intAt(ifreq, IFREQ_DATA_OFFSET);
            } catch (PacketFsErrnoException e) {
                if (e.errno() == ENODEV) {
                    throw new PacketFsErrnoException("no network interface '" + interfaceName + "' in "
                            + where(netns) + ": list the interfaces with `" + ip(netns) + " link`", e);
                }
                throw e;
            }

            ifreq = newIfreq(interfaceName);
            PacketFsLinux.ioctl(fd, SIOCGIFFLAGS, ifreq);
            int flags = ByteBuffer.wrap(ifreq).order(ByteOrder.nativeOrder()).getShort(IFREQ_DATA_OFFSET) & 0xFFFF;
            if ((flags & IFF_UP) == 0) {
                throw new PacketFsErrnoException("network interface '" + interfaceName + "' in " + where(netns)
                        + " is down: bring it up with `" + ip(netns) + " link set " + interfaceName + " up`",
                        PacketFsLinux.ENETDOWN);
            }

            ifreq = newIfreq(interfaceName);
            PacketFsLinux.ioctl(fd, SIOCGIFHWADDR, ifreq);
            int hatype = ByteBuffer.wrap(ifreq).order(ByteOrder.nativeOrder()).getShort(IFREQ_DATA_OFFSET) & 0xFFFF;
            if (hatype != ARPHRD_ETHER && hatype != ARPHRD_LOOPBACK) {
                throw new PacketFsErrnoException("network interface '" + interfaceName + "' in " + where(netns)
                        + " is not an Ethernet interface (ARPHRD type " + hatype + "): raw PacketFS frames need "
                        + "Ethernet; use the UDP tunnel on this interface", PacketFsLinux.EINVAL);
            }
            byte[] mac = new byte[MAC_LENGTH];
            System.arraycopy(ifreq, IFREQ_DATA_OFFSET + SA_FAMILY_LENGTH, mac, 0, MAC_LENGTH);

            ifreq = newIfreq(interfaceName);
            PacketFsLinux.ioctl(fd, SIOCGIFMTU, ifreq);
            int mtu = intAt(ifreq, IFREQ_DATA_OFFSET);

            PacketFsLinux.bind(fd, sockaddrLl(protocol, ifindex));
            success = true;
            return new PacketFsPacketSocket(fd, interfaceName, ifindex, mac, mtu, flags);
        } finally {
            if (!success) {
                PacketFsLinux.closeQuietly(fd);
            }
        }
    }

    /**
     * Null if this process may open AF_PACKET sockets (it has CAP_NET_RAW and the kernel has AF_PACKET), else why
     * not, with what to do.
     */
    public static PacketFsErrnoException probe() {
        try {
            PacketFsLinux.closeQuietly(openSocket());
            return null;
        } catch (PacketFsErrnoException e) {
            return e;
        }
    }

    /**
     * The index of {@code interfaceName} in the network namespace of socket {@code fd}, or -1 if there is no such
     * interface (any other failure also gives -1). For error paths: a JNA call.
     */
    public static int ifindexOf(int fd, String interfaceName) {
        try {
            byte[] ifreq = newIfreq(interfaceName);
            PacketFsLinux.ioctl(fd, SIOCGIFINDEX, ifreq);
            return intAt(ifreq, IFREQ_DATA_OFFSET);
        } catch (PacketFsErrnoException | RuntimeException e) {
            return -1;
        }
    }

    private static int openSocket() throws PacketFsErrnoException {
        try {
            return PacketFsLinux.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        } catch (PacketFsErrnoException e) {
            if (e.errno() == EPERM || e.errno() == EACCES) {
                throw new PacketFsErrnoException("no permission to open an AF_PACKET socket (it needs CAP_NET_RAW):"
                        + " run as root, or grant the JVM the capability with `sudo setcap cap_net_raw,cap_net_admin+ep"
                        + " \"$(readlink -f \"$(command -v java)\")\"`, or use the UDP tunnel", e);
            }
            if (e.errno() == EAFNOSUPPORT) {
                throw new PacketFsErrnoException("this kernel has no AF_PACKET sockets (CONFIG_PACKET): load the "
                        + "af_packet module (`modprobe af_packet`) or use the UDP tunnel", e);
            }
            throw e;
        }
    }

    private static byte[] newIfreq(String interfaceName) {
        byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length >= IFNAMSIZ || interfaceName.indexOf('/') >= 0
                || interfaceName.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IllegalArgumentException("'" + interfaceName + "' is not a network interface name (1 to "
                    + (IFNAMSIZ - 1) + " printable ASCII characters, no '/' or spaces)");
        }
        byte[] ifreq = new byte[IFREQ_LENGTH];
        System.arraycopy(name, 0, ifreq, 0, name.length);
        return ifreq;
    }

    private static byte[] sockaddrLl(int protocol, int ifindex) {
        ByteBuffer sll = ByteBuffer.allocate(SOCKADDR_LL_LENGTH).order(ByteOrder.nativeOrder());
        sll.putShort(SLL_FAMILY_OFFSET, (short) AF_PACKET);
        sll.order(ByteOrder.BIG_ENDIAN).putShort(SLL_PROTOCOL_OFFSET, (short) protocol);
        sll.order(ByteOrder.nativeOrder()).putInt(SLL_IFINDEX_OFFSET, ifindex);
        return sll.array();
    }

    private static int intAt(byte[] ifreq, int offset) {
        return ByteBuffer.wrap(ifreq).order(ByteOrder.nativeOrder()).getInt(offset);
    }

    private static String where(String netns) {
        return netns == null ? "the current network namespace" : "network namespace '" + netns + "'";
    }

    private static String ip(String netns) {
        return netns == null ? "ip" : "ip -n " + netns;
    }

    /** The socket's file descriptor; the caller owns it from now on. */
    public int fd() {
        return fd;
    }

    /** The interface name. */
    public String interfaceName() {
        return interfaceName;
    }

    /** The interface index in the socket's network namespace. */
    public int ifindex() {
        return ifindex;
    }

    /** The interface's MAC address (a copy). */
    public byte[] mac() {
        return mac.clone();
    }

    /** The interface MTU: the largest Ethernet payload. */
    public int mtu() {
        return mtu;
    }

    /** The interface flags (IFF_UP, IFF_RUNNING, ...) when the socket was opened. */
    public int flags() {
        return flags;
    }
}
