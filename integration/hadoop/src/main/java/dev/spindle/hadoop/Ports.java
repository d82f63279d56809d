package dev.spindle.hadoop;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed ports of the servers, chosen before anything starts so that the written configuration
 * and every address the servers advertise agree. With a port base the ports are consecutive from
 * it; without one each is a port the kernel handed out a moment ago on 127.0.0.1.
 */
final class Ports {
  static final String HOST = "127.0.0.1";

  private final Map<String, Integer> ports = new LinkedHashMap<>();

  /** Reserves one port per name (in order), checking that each is free on 127.0.0.1. */
  static Ports choose(int portBase, List<String> names) {
    Ports chosen = new Ports();
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < names.size(); i++) {
        int wanted = portBase == 0 ? 0 : portBase + i;
        ServerSocket socket = bind(wanted, names.get(i));
        held.add(socket);
        chosen.ports.put(names.get(i), socket.getLocalPort());
      }
    } finally {
      for (ServerSocket socket : held) closeQuietly(socket);
    }
    return chosen;
  }

  int get(String name) {
    Integer port = ports.get(name);
    if (port == null) throw new IllegalArgumentException("no port named " + name);
    return port;
  }

  String address(String name) {
    return HOST + ":" + get(name);
  }

  private static ServerSocket bind(int port, String name) {
    try {
      ServerSocket socket = new ServerSocket();
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
      return socket;
    } catch (IOException e) {
      throw new HarnessException(
          "port " + HOST + ":" + port + " (" + name + ") is taken: stop what listens there"
              + " or choose another --port-base");
    }
  }

  private static void closeQuietly(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing was listening through it yet
    }
  }
}
