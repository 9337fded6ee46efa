package io.packetfs.transport;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PacketFsEndpointTest {

    @Test
    void parsesUdp() {
        PacketFsEndpoint e = PacketFsEndpoint.parse("udp:127.0.0.1:9000");
        assertEquals(PacketFsEndpoint.Kind.UDP, e.kind());
        assertEquals("127.0.0.1", e.host());
        assertEquals(9000, e.port());
        assertEquals("udp:127.0.0.1:9000", e.toString());
        PacketFsEndpoint m = PacketFsEndpoint.parse("udp:239.1.2.3:9000,iface=eth0");
        assertEquals("eth0", m.iface());
        PacketFsEndpoint v6 = PacketFsEndpoint.parse("udp:[::1]:9000");
        assertEquals("::1", v6.host());
        assertEquals("udp:[::1]:9000", v6.toString());
    }

    @Test
    void parsesL2() {
        PacketFsEndpoint e = PacketFsEndpoint.parse("l2:veth0,peer=02:00:00:00:00:01,netns=a");
        assertEquals(PacketFsEndpoint.Kind.L2, e.kind());
        assertEquals("veth0", e.iface());
        assertEquals(PacketFsMacAddress.parse("02:00:00:00:00:01"), e.peer());
        assertEquals("a", e.netns());
        assertNull(PacketFsEndpoint.parse("l2:eth0").peer());
        assertEquals("l2:veth0,peer=02:00:00:00:00:01,netns=a", e.toString());
    }

    @Test
    void explainsBadSpecs() {
        assertThatThrownBy(() -> PacketFsEndpoint.parse("tcp:1.2.3.4:5")).hasMessageContaining("udp:HOST:PORT");
        assertThatThrownBy(() -> PacketFsEndpoint.parse("udp:1.2.3.4")).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> PacketFsEndpoint.parse("udp:1.2.3.4:99999")).hasMessageContaining("0..65535");
        assertThatThrownBy(() -> PacketFsEndpoint.parse("l2:eth0,peer=zz")).hasMessageContaining("MAC");
        assertThatThrownBy(() -> PacketFsEndpoint.parse("l2:eth0,color=red")).hasMessageContaining("unknown option");
        assertThatThrownBy(() -> PacketFsEndpoint.parse("udp:1.2.3.4:5,peer=02:00:00:00:00:01"))
                .hasMessageContaining("peer= is for l2");
        assertThatThrownBy(() -> PacketFsEndpoint.parse("l2:eth0,iface=eth1")).hasMessageContaining("iface= is for");
    }

    @Test
    void macAddresses() {
        PacketFsMacAddress m = PacketFsMacAddress.parse("AA-bb-cc-dd-ee-01");
        assertEquals("aa:bb:cc:dd:ee:01", m.toString());
        assertThat(PacketFsMacAddress.BROADCAST.isBroadcast()).isTrue();
        assertThat(PacketFsMacAddress.BROADCAST.isGroup()).isTrue();
        assertThat(PacketFsMacAddress.parse("01:00:5e:00:00:01").isGroup()).isTrue();
        assertThat(m.isGroup()).isFalse();
        assertThatThrownBy(() -> PacketFsMacAddress.parse("aa:bb")).hasMessageContaining("not a MAC address");
    }
}
