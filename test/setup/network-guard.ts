import net from 'node:net';

// Tests must never reach the real network: GitHub and Anthropic are faked on loopback.
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;
const originalConnect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string } | number | string | undefined;
  const host =
    typeof first === 'object' && first !== null
      ? (first.path ?? first.host ?? 'localhost')
      : typeof args[1] === 'string'
        ? args[1]
        : 'localhost';
  const isIpc = typeof first === 'object' && first !== null && typeof first.path === 'string';
  if (!isIpc && !LOOPBACK.test(host)) {
    throw new Error(`network guard: test tried to reach ${host}; use a local fake server`);
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
