import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Knows which connections of `server` carry a request in progress, so that a closing server can drop every other
 * one at once: idle keep-alive connections, ones that go idle when their held request (a claim, a long poll, an
 * event stream) answers the shutdown, and ones a client opened but never sent a request on — Node counts those
 * as busy, so `server.close()` would wait for them until the client lets go. Requests in progress are waited for.
 * @internal
 */
export const connectionSweeper = (server: Server): { sweep(): void } => {
  const sockets = new Set<Socket>();
  const busy = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      if (left > 0) busy.set(socket, left);
      else busy.delete(socket);
    });
  });
  return {
    sweep() {
      for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
    },
  };
};
