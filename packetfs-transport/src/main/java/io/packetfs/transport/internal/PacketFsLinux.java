package io.packetfs.transport.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * The libc calls that set a raw socket up, through JNA: {@code socket}, {@code bind}, {@code ioctl}, {@code open},
 * {@code setns}, {@code setsockopt}, {@code mmap}, {@code munmap} and {@code close}. Set-up only: no frame ever goes through here (the channel reads and writes with
 * Netty's native socket helpers). Each call returns its result or throws a {@link PacketFsErrnoException} naming the
 * call and the errno.
 */
public final class PacketFsLinux {

    /** AF_PACKET. */
    public static final int AF_PACKET = 17;
    /** SOCK_RAW: the application reads and writes the link-layer header. */
    public static final int SOCK_RAW = 3;
    /** SOCK_NONBLOCK. */
    public static final int SOCK_NONBLOCK = 0x800;
    /** SOCK_CLOEXEC. */
    public static final int SOCK_CLOEXEC = 0x8_0000;
    /** O_RDONLY. */
    public static final int O_RDONLY = 0;
    /** O_CLOEXEC. */
    public static final int O_CLOEXEC = 0x8_0000;
    /** CLONE_NEWNET, the nstype of setns for a network namespace. */
    public static final int CLONE_NEWNET = 0x4000_0000;

    /** SIOCGIFFLAGS: interface flags into ifr_flags (short @16). */
    public static final int SIOCGIFFLAGS = 0x8913;
    /** SIOCGIFMTU: MTU into ifr_mtu (int @16). */
    public static final int SIOCGIFMTU = 0x8921;
    /** SIOCGIFHWADDR: hardware address into ifr_hwaddr (sa_family u16 @16, sa_data @18). */
    public static final int SIOCGIFHWADDR = 0x8927;
    /** SIOCGIFINDEX: interface index into ifr_ifindex (int @16). */
    public static final int SIOCGIFINDEX = 0x8933;
    /** sizeof(struct ifreq) on 64-bit Linux. */
    public static final int IFREQ_LENGTH = 40;
    /** IFNAMSIZ: interface names have at most 15 bytes and a NUL. */
    public static final int IFNAMSIZ = 16;
    /** Offset of the union in struct ifreq. */
    public static final int IFREQ_DATA_OFFSET = 16;
    /** IFF_UP. */
    public static final int IFF_UP = 0x1;
    /** IFF_RUNNING: the link has a carrier. */
    public static final int IFF_RUNNING = 0x40;
    /** ARPHRD_ETHER. */
    public static final int ARPHRD_ETHER = 1;
    /** ARPHRD_LOOPBACK. */
    public static final int ARPHRD_LOOPBACK = 772;

    /** PROT_READ | PROT_WRITE. */
    public static final int PROT_READ_WRITE = 0x1 | 0x2;
    /** MAP_SHARED. */
    public static final int MAP_SHARED = 0x01;

    /** sizeof(struct sockaddr_ll). */
    public static final int SOCKADDR_LL_LENGTH = 20;

    /** EPERM. */
    public static final int EPERM = 1;
    /** ENOENT. */
    public static final int ENOENT = 2;
    /** EACCES. */
    public static final int EACCES = 13;
    /** ENODEV. */
    public static final int ENODEV = 19;
    /** EINVAL. */
    public static final int EINVAL = 22;
    /** ENETDOWN (also the errno reported for an interface found down at open). */
    public static final int ENETDOWN = 100;
    /** EAFNOSUPPORT. */
    public static final int EAFNOSUPPORT = 97;

    private interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, byte[] address, int length) throws LastErrorException;

        int ioctl(int fd, NativeLong request, byte[] ifreq) throws LastErrorException;

        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int setsockopt(int fd, int level, int optname, byte[] optval, int optlen) throws LastErrorException;

        Pointer mmap(Pointer address, long length, int prot, int flags, int fd, long offset)
                throws LastErrorException;

        int munmap(Pointer address, long length) throws LastErrorException;

        String strerror(int errnum);
    }

    private static final LibC LIBC;
    private static final Throwable LOAD_FAILURE;

    static {
        LibC libc = null;
        Throwable failure = null;
        try {
            libc = Native.load("c", LibC.class);
        } catch (Throwable t) {
            failure = t;
        }
        LIBC = libc;
        LOAD_FAILURE = failure;
    }

    private PacketFsLinux() {
    }

    /** Null when libc was loaded through JNA, else why not. */
    public static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    /** socket(2). */
    public static int socket(int domain, int type, int protocol) throws PacketFsErrnoException {
        try {
            return libc().socket(domain, type, protocol);
        } catch (LastErrorException e) {
            throw failure("socket", e);
        }
    }

    /** bind(2) with a raw address structure. */
    public static void bind(int fd, byte[] address) throws PacketFsErrnoException {
        try {
            libc().bind(fd, address, address.length);
        } catch (LastErrorException e) {
            throw failure("bind", e);
        }
    }

    /** ioctl(2) on a struct ifreq of {@link #IFREQ_LENGTH} bytes, filled in place. */
    public static void ioctl(int fd, int request, byte[] ifreq) throws PacketFsErrnoException {
        try {
            libc().ioctl(fd, new NativeLong(request), ifreq);
        } catch (LastErrorException e) {
            throw failure("ioctl(0x" + Integer.toHexString(request) + ")", e);
        }
    }

    /** open(2). */
    public static int open(String path, int flags) throws PacketFsErrnoException {
        try {
            return libc().open(path, flags);
        } catch (LastErrorException e) {
            throw failure("open(" + path + ")", e);
        }
    }

    /** setns(2): moves the calling thread into the namespace of {@code fd}. */
    public static void setns(int fd, int nstype) throws PacketFsErrnoException {
        try {
            libc().setns(fd, nstype);
        } catch (LastErrorException e) {
            throw failure("setns", e);
        }
    }

    /** setsockopt(2) with a raw option value. */
    public static void setsockopt(int fd, int level, int optname, byte[] optval) throws PacketFsErrnoException {
        try {
            libc().setsockopt(fd, level, optname, optval, optval.length);
        } catch (LastErrorException e) {
            throw failure("setsockopt(" + level + ", " + optname + ")", e);
        }
    }

    /** mmap(2) of {@code length} bytes of {@code fd} from offset 0, shared, read-write; returns the address. */
    public static long mmap(int fd, long length) throws PacketFsErrnoException {
        Pointer p;
        try {
            p = libc().mmap(null, length, PROT_READ_WRITE, MAP_SHARED, fd, 0);
        } catch (LastErrorException e) {
            throw failure("mmap", e);
        }
        long address = Pointer.nativeValue(p);
        if (address == -1 || address == 0) {
            throw new PacketFsErrnoException("mmap failed", EINVAL);
        }
        return address;
    }

    /** munmap(2), errors ignored (only a bad address or length fails, and then there is nothing to undo). */
    public static void munmapQuietly(long address, long length) {
        try {
            libc().munmap(new Pointer(address), length);
        } catch (LastErrorException ignored) {
            // EINVAL: not mapped.
        }
    }

    /** A direct ByteBuffer over {@code length} bytes of native memory at {@code address} (no copy, never freed). */
    public static java.nio.ByteBuffer view(long address, int length) {
        return new Pointer(address).getByteBuffer(0, length);
    }

    /** close(2), errors ignored (the descriptor is gone either way). */
    public static void closeQuietly(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            libc().close(fd);
        } catch (LastErrorException ignored) {
            // EINTR or EIO: Linux has released the descriptor anyway.
        }
    }

    /** The C library's text for {@code errno}. */
    public static String strerror(int errno) {
        try {
            String text = libc().strerror(errno);
            return text != null ? text : "errno " + errno;
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static LibC libc() {
        if (LIBC == null) {
            throw new IllegalStateException("JNA could not load libc: " + LOAD_FAILURE, LOAD_FAILURE);
        }
        return LIBC;
    }

    private static PacketFsErrnoException failure(String call, LastErrorException e) {
        int errno = e.getErrorCode();
        return new PacketFsErrnoException(call + " failed: " + strerror(errno) + " (errno " + errno + ")", errno);
    }
}
