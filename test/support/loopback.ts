// A TCP listener on loopback standing in for buildkitd's port in the tests of the pod scripts
// (drain, deletion cost): they watch its open connections. Started before, closed after the suite.
import * as net from 'net';

export function loopbackServer(): { port: () => number } {
  let server: net.Server;
  let port = 0;
  const peers: net.Socket[] = [];
  beforeAll(async () => {
    server = net.createServer((s) => peers.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    peers.forEach((s) => s.destroy());
    await new Promise((r) => server.close(r));
  });
  return { port: () => port };
}
