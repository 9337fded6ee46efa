package io.packetfs.transport;

import io.netty.channel.ChannelException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The availability guard, the set-up errors (each message says what to do) and {@link PacketFsNetns}. The tests that
 * need namespaces skip, saying why, off Linux or without root.
 */
class PacketFsEthernetTest {

    private static final Path THREAD_NET_DEV = Path.of("/proc/thread-self/net/dev");

    private static VethPair veth;

    @BeforeAll
    static void setUp() throws IOException {
        if (VethPair.canRun()) {
            veth = VethPair.create();
        }
    }

    @AfterAll
    static void tearDown() {
        if (veth != null) {
            veth.close();
        }
    }

    private static void assumeRoot() {
        assumeTrue(VethPair.canRun(), VethPair::skipReason);
    }

    @Test
    void availabilityMatchesThisHost() {
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
        if (VethPair.canRun()) {
            // Linux and root: CI must be able to run the raw channel, not skip it.
            assertNull(PacketFsEthernet.unavailabilityCause(), () -> "unavailable: "
                    + PacketFsEthernet.unavailabilityCause());
            assertTrue(PacketFsEthernet.isAvailable());
            PacketFsEthernet.ensureAvailability();
        } else if (!linux) {
            assertFalse(PacketFsEthernet.isAvailable());
            assertThat(PacketFsEthernet.unavailabilityCause()).hasMessageContaining("needs Linux")
                    .hasMessageContaining("UDP tunnel");
            assertThrows(UnsatisfiedLinkError.class, PacketFsEthernet::ensureAvailability);
        } else if (!PacketFsEthernet.isAvailable()) {
            // Linux, not root, no capability granted: the message says what to do.
            assertThat(PacketFsEthernet.unavailabilityCause()).hasMessageContaining("CAP_NET_RAW");
            assertThatThrownBy(PacketFsEthernet::ensureAvailability).hasMessageContaining("CAP_NET_RAW");
        }
        assertEquals(0x1337, PacketFsEthernet.ETHER_TYPE);
    }

    @Test
    void anInterfaceThatCanBeUsedHasNoUnavailabilityCause() {
        assumeRoot();
        assertNull(PacketFsEthernet.unavailabilityCause(veth.interfaceA(), veth.netnsA()));
        assertNull(PacketFsEthernet.unavailabilityCause(veth.interfaceB(), veth.netnsB()));
    }

    @Test
    void aMissingInterfaceIsReportedWithWhatToDo() {
        assumeRoot();
        assertThatThrownBy(() -> new PacketFsEthernetChannel("pfs-nope0", PacketFsMacAddress.BROADCAST,
                veth.netnsA()))
                .isInstanceOf(ChannelException.class)
                .hasMessageContaining("no network interface 'pfs-nope0' in network namespace '" + veth.netnsA() + "'")
                .hasMessageContaining("ip -n " + veth.netnsA() + " link");
        // The veth ends live in their namespaces, not in the current one.
        assertThatThrownBy(() -> new PacketFsEthernetChannel(veth.interfaceA()))
                .isInstanceOf(ChannelException.class)
                .hasMessageContaining("no network interface '" + veth.interfaceA()
                        + "' in the current network namespace");
        assertThat(PacketFsEthernet.unavailabilityCause("pfs-nope0", veth.netnsA()))
                .hasMessageContaining("no network interface 'pfs-nope0'");
    }

    @Test
    void anInterfaceThatIsDownIsReportedWithWhatToDo() throws IOException {
        assumeRoot();
        VethPair.ip("-n", veth.netnsA(), "link", "set", veth.interfaceA(), "down");
        try {
            assertThatThrownBy(() -> new PacketFsEthernetChannel(veth.interfaceA(), PacketFsMacAddress.BROADCAST,
                    veth.netnsA()))
                    .isInstanceOf(ChannelException.class)
                    .hasMessageContaining("is down")
                    .hasMessageContaining("ip -n " + veth.netnsA() + " link set " + veth.interfaceA() + " up");
        } finally {
            VethPair.ip("-n", veth.netnsA(), "link", "set", veth.interfaceA(), "up");
        }
        assertNull(PacketFsEthernet.unavailabilityCause(veth.interfaceA(), veth.netnsA()));
    }

    @Test
    void aNonEthernetInterfaceIsRefused() throws IOException {
        assumeRoot();
        VethPair.ip("-n", veth.netnsA(), "tuntap", "add", "dev", "pfs-tun0", "mode", "tun");
        try {
            VethPair.ip("-n", veth.netnsA(), "link", "set", "pfs-tun0", "up");
            assertThatThrownBy(() -> new PacketFsEthernetChannel("pfs-tun0", PacketFsMacAddress.BROADCAST,
                    veth.netnsA()))
                    .isInstanceOf(ChannelException.class)
                    .hasMessageContaining("is not an Ethernet interface")
                    .hasMessageContaining("UDP tunnel");
        } finally {
            VethPair.ip("-n", veth.netnsA(), "link", "delete", "pfs-tun0");
        }
    }

    @Test
    void badNamesAreRefused() {
        assumeRoot();
        assertThatThrownBy(() -> new PacketFsEthernetChannel("a-name-far-too-long-for-linux"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a network interface name");
        assertThatThrownBy(() -> new PacketFsEthernetChannel("eth0", PacketFsMacAddress.BROADCAST,
                "pfs-no-such-netns"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no network namespace 'pfs-no-such-netns'")
                .hasMessageContaining("ip netns add pfs-no-such-netns");
        assertThatThrownBy(() -> PacketFsNetns.call("../etc", () -> 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void netnsCallRunsTheTaskInsideTheNamespace() throws Exception {
        assumeRoot();
        // /proc/thread-self/net shows the namespace of the reading thread. (java.net.NetworkInterface does not help
        // here: it reads /proc/self/net, the namespace of the process, and lists IPv4 interfaces only.)
        String inA = PacketFsNetns.call(veth.netnsA(), () -> Files.readString(THREAD_NET_DEV));
        assertThat(inA).contains(veth.interfaceA() + ":").doesNotContain(veth.interfaceB() + ":");
        String inB = PacketFsNetns.call(veth.netnsB(), () -> Files.readString(THREAD_NET_DEV));
        assertThat(inB).contains(veth.interfaceB() + ":").doesNotContain(veth.interfaceA() + ":");
        assertThat(Files.readString(THREAD_NET_DEV)).as("the calling thread stays where it was")
                .doesNotContain(veth.interfaceA() + ":");
        assertFalse(PacketFsNetns.call(veth.netnsA(), Thread::currentThread) == Thread.currentThread());
        // null: the current namespace, on the calling thread.
        assertSame(Thread.currentThread(), PacketFsNetns.call(null, Thread::currentThread));
    }

    @Test
    void netnsCallPassesFailuresOn() {
        assumeRoot();
        IOException io = new IOException("boom");
        assertThatThrownBy(() -> PacketFsNetns.call(veth.netnsA(), () -> {
            throw io;
        })).isInstanceOf(UncheckedIOException.class).hasCause(io);
        IllegalStateException ise = new IllegalStateException("bang");
        assertThatThrownBy(() -> PacketFsNetns.call(veth.netnsA(), () -> {
            throw ise;
        })).isSameAs(ise);
        Exception checked = new Exception("checked");
        assertThatThrownBy(() -> PacketFsNetns.call(veth.netnsA(), () -> {
            throw checked;
        })).isInstanceOf(IllegalStateException.class).hasCause(checked);
    }
}
