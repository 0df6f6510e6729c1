import { createServer } from 'node:net';

/** The Debian goiardi service claims 4545 where systemd runs, so a test server must never land there. */
const RESERVED_PORT = 4545;

/**
 * A loopback port that was free a moment ago. Nothing holds it afterwards, so a caller that loses the race to
 * bind it must be ready to ask again.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await ephemeralPort();
    if (port !== RESERVED_PORT) return port;
  }
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error(`unexpected listen address: ${String(address)}`));
      });
    });
  });
}
