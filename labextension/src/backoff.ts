/**
 * Reconnect with exponential backoff and jitter. `ReconnectingSocket` takes its socket
 * factory and timer functions as arguments so tests drive it without a network or clock.
 */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  factor: number;
  /** 0..1: the delay varies by up to this fraction either way. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };

/** Delay before reconnect attempt `attempt` (0-based). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random
): number {
  const raw = Math.min(options.maxMs, options.baseMs * Math.pow(options.factor, Math.max(0, attempt)));
  const spread = raw * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.min(options.maxMs, Math.round(raw + spread)));
}

export type SocketState = 'connecting' | 'open' | 'closed' | 'disposed';

/** The part of the browser WebSocket used here. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(code?: number, reason?: string): void;
}

export interface ReconnectingOptions {
  connect: () => SocketLike;
  onMessage: (data: unknown) => void;
  onState?: (state: SocketState, attempt: number) => void;
  /** Called after every successful reconnect (not the first connect): re-read missed state. */
  onReconnect?: () => void;
  backoff?: BackoffOptions;
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class ReconnectingSocket {
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private everOpened = false;
  private _state: SocketState = 'closed';
  private readonly o: Required<Omit<ReconnectingOptions, 'onState' | 'onReconnect'>> &
    Pick<ReconnectingOptions, 'onState' | 'onReconnect'>;

  constructor(options: ReconnectingOptions) {
    this.o = {
      backoff: DEFAULT_BACKOFF,
      random: Math.random,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: handle => clearTimeout(handle as ReturnType<typeof setTimeout>),
      ...options
    };
  }

  get state(): SocketState {
    return this._state;
  }

  /** The delay that the next reconnect will wait (for the status line). */
  lastDelay = 0;

  start(): void {
    if (this._state === 'disposed' || this.socket) {
      return;
    }
    this.open();
  }

  /** Reconnect now (e.g. the user clicked "Reconnect" or the browser came back online). */
  reconnectNow(): void {
    if (this._state === 'disposed' || this._state === 'open' || this._state === 'connecting') {
      return;
    }
    if (this.timer !== null) {
      this.o.clearTimer(this.timer);
      this.timer = null;
    }
    this.open();
  }

  dispose(): void {
    if (this.timer !== null) {
      this.o.clearTimer(this.timer);
      this.timer = null;
    }
    const socket = this.socket;
    this.socket = null;
    this.setState('disposed');
    if (socket) {
      socket.onclose = socket.onerror = socket.onmessage = socket.onopen = null;
      socket.close(1000, 'disposed');
    }
  }

  private setState(state: SocketState): void {
    this._state = state;
    this.o.onState?.(state, this.attempt);
  }

  private open(): void {
    this.setState('connecting');
    let socket: SocketLike;
    try {
      socket = this.o.connect();
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.setState('open');
      if (reconnected) {
        this.o.onReconnect?.();
      }
    };
    socket.onmessage = ev => this.o.onMessage(ev.data);
    socket.onerror = () => {
      /* onclose follows */
    };
    socket.onclose = () => {
      if (this.socket !== socket) {
        return;
      }
      this.socket = null;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this._state === 'disposed') {
      return;
    }
    this.lastDelay = backoffDelay(this.attempt, this.o.backoff, this.o.random);
    this.attempt += 1;
    this.setState('closed');
    this.timer = this.o.setTimer(() => {
      this.timer = null;
      this.open();
    }, this.lastDelay);
  }
}
