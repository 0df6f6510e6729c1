import { connect } from 'node:net';

/**
 * One TCP connect from the worker. Before the cluster exists nothing listens on its ports, so a refusal counts as
 * reachable (the host answered with a reset); only silence (a firewall dropping packets) or "unreachable" fails.
 */
export type PortState = 'open' | 'refused' | 'timeout' | 'unreachable';

export function probePort(
  address: string,
  port: number,
  timeoutMs: number,
): Promise<{ state: PortState; detail: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const finish = (state: PortState, detail: string) => {
      socket.destroy();
      resolve({ state, detail });
    };
    socket.setTimeout(timeoutMs, () => finish('timeout', `no answer within ${timeoutMs} ms`));
    socket.once('connect', () => finish('open', 'accepted'));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish(err.code === 'ECONNREFUSED' ? 'refused' : 'unreachable', err.code ?? err.message),
    );
  });
}

export const reachable = (state: PortState) => state === 'open' || state === 'refused';
