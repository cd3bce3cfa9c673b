import { describe, expect, it } from 'vitest';
import { ReconnectingSocket, SocketLike, backoffDelay } from '../src/backoff';

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  closed = false;
  close(): void {
    this.closed = true;
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const messages: unknown[] = [];
  const states: string[] = [];
  let reconnects = 0;
  const rs = new ReconnectingSocket({
    connect: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    onMessage: d => messages.push(d),
    onState: s => states.push(s),
    onReconnect: () => reconnects++,
    random: () => 0.5, // no jitter
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => undefined
  });
  return { rs, sockets, timers, messages, states, reconnects: () => reconnects };
}

describe('backoff', () => {
  it('grows exponentially up to the cap', () => {
    const d = [0, 1, 2, 3, 10].map(a => backoffDelay(a, { baseMs: 500, maxMs: 8000, factor: 2, jitter: 0 }));
    expect(d).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it('jitters within ±jitter and never exceeds the cap', () => {
    const opts = { baseMs: 1000, maxMs: 30000, factor: 2, jitter: 0.2 };
    expect(backoffDelay(0, opts, () => 0)).toBe(800);
    expect(backoffDelay(0, opts, () => 1)).toBe(1200);
    expect(backoffDelay(20, opts, () => 1)).toBe(30000);
  });
});

describe('ReconnectingSocket', () => {
  it('reconnects with growing delays and resets after a successful open', () => {
    const h = harness();
    h.rs.start();
    expect(h.sockets).toHaveLength(1);
    h.sockets[0].onopen?.({});
    h.sockets[0].onmessage?.({ data: 'hello' });
    expect(h.messages).toEqual(['hello']);
    h.sockets[0].onclose?.({});
    expect(h.rs.state).toBe('closed');
    expect(h.timers.map(t => t.ms)).toEqual([500]);
    h.timers[0].fn();
    h.sockets[1].onclose?.({}); // failed attempt
    expect(h.timers.map(t => t.ms)).toEqual([500, 1000]);
    h.timers[1].fn();
    h.sockets[2].onopen?.({});
    expect(h.rs.state).toBe('open');
    expect(h.reconnects()).toBe(1); // callers re-read what they missed
    h.sockets[2].onclose?.({});
    expect(h.timers[2].ms).toBe(500); // reset after success
  });

  it('stops for good when disposed', () => {
    const h = harness();
    h.rs.start();
    h.sockets[0].onopen?.({});
    h.rs.dispose();
    expect(h.sockets[0].closed).toBe(true);
    expect(h.rs.state).toBe('disposed');
    h.sockets[0].onclose?.({});
    expect(h.timers).toHaveLength(0);
  });

  it('reconnectNow skips the wait', () => {
    const h = harness();
    h.rs.start();
    h.sockets[0].onclose?.({});
    h.rs.reconnectNow();
    expect(h.sockets).toHaveLength(2);
  });

  it('survives a throwing connect', () => {
    const timers: number[] = [];
    const rs = new ReconnectingSocket({
      connect: () => {
        throw new Error('no network');
      },
      onMessage: () => undefined,
      random: () => 0.5,
      setTimer: (_fn, ms) => timers.push(ms),
      clearTimer: () => undefined
    });
    rs.start();
    expect(timers).toEqual([500]);
  });
});
