// How long a link may leave an early frame's payload unread in the kernel, waiting for its recv (frame-receiver.ts).

/** Which early payloads a link holds, and for how long at most. */
export interface PayloadHoldLimits {
  /** Longest hold of one payload, in ms (> 0). */
  maxMs: number;
  /**
   * Smallest payload held: holding costs a pause and a resume of the socket and the next event-loop turn
   * before the recv completes, which only a copy of a large payload outweighs.
   */
  minBytes: number;
}

/**
 * Holds the payload of one frame at a time, for at most `maxMs` from when it was first held; then `onExpire`
 * runs, and that frame is not held again (its bytes are read and queued as before). The bound keeps what the
 * peer sent after that frame readable: an abort from it is seen within `maxMs`, and a schedule that needs an
 * early frame buffered before its recv can be posted still progresses. The timer is one per link, reused,
 * and never keeps the process alive.
 */
export class PayloadHold {
  private held: object | null = null;
  private expired = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly limits: PayloadHoldLimits, private readonly onExpire: () => void) {}

  /** Starts holding `frame`'s payload of `payloadLength` bytes (its clock starts now), unless it is below minBytes. */
  start(frame: object, payloadLength: number): void {
    if (payloadLength < this.limits.minBytes) return;
    this.held = frame;
    this.expired = false;
    if (this.timer === null) {
      this.timer = setTimeout(() => this.expire(), this.limits.maxMs);
      this.timer.unref();
    } else {
      this.timer.refresh();
    }
  }

  /** Whether `frame` is the frame being held and its time has not run out. */
  holds(frame: object): boolean {
    return frame === this.held && !this.expired;
  }

  /** No frame is held any more (its recv was posted, or the link failed). */
  stop(): void {
    this.held = null;
  }

  /** Stops the timer for good (the link failed or closed). */
  dispose(): void {
    this.held = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private expire(): void {
    if (this.held === null || this.expired) return;
    this.expired = true;
    this.onExpire();
  }
}
