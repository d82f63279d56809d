package dev.spindle.hadoop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The launcher's control channel: a TCP socket on 127.0.0.1 (its port goes into ready.json). A
 * client sends one command line ({@code status}, {@code failover}, {@code stop}) and reads one JSON
 * line back; then the connection closes. Commands run one at a time on the accepting thread.
 */
final class ControlServer {
  private final ServerSocket socket;
  private final Function<String, Object> handler;

  private ControlServer(ServerSocket socket, Function<String, Object> handler) {
    this.socket = socket;
    this.handler = handler;
  }

  /** Listens and serves on a daemon thread; {@code handler} maps a command to its JSON reply. */
  static ControlServer start(Function<String, Object> handler) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(Ports.HOST), 0));
    ControlServer server = new ControlServer(socket, handler);
    Thread thread = new Thread(server::serve, "harness-control");
    thread.setDaemon(true);
    thread.start();
    return server;
  }

  int port() {
    return socket.getLocalPort();
  }

  private void serve() {
    while (!socket.isClosed()) {
      try (Socket client = socket.accept()) {
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
        String command = in.readLine();
        Object reply = command == null ? null : answer(command.trim());
        OutputStream out = client.getOutputStream();
        out.write((Json.write(reply) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        // a client that went away; keep serving unless the socket itself is closed
      }
    }
  }

  private Object answer(String command) {
    try {
      return handler.apply(command);
    } catch (HarnessException e) {
      return Json.object("error", e.getMessage());
    } catch (RuntimeException e) {
      HarnessMain.log("control command " + command + " failed", e);
      return Json.object("error", command + " failed: " + e);
    }
  }

  void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
