/**
 * Linux plumbing behind {@link io.packetfs.transport.PacketFsEthernetChannel}: the few libc calls made through JNA
 * while setting a socket up (socket, bind, ioctl, open, setns, close; never per frame) and the constants of the
 * Ethernet frame and of the AF_PACKET socket options. Not API: it may change in any release.
 */
package io.packetfs.transport.internal;
