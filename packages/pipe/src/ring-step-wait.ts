/**
 * The shape the pipe's two wait loops share: a loop made of steps of the
 * ring's own waits (RingBuffer's PushAllWait / PopSomeWait, one reused per
 * loop), which sleeps wherever the ring wait in progress sleeps.
 */
import type { WaitLoop } from "@sabkit/core/internal";

/** A WaitLoop that runs ring waits of type `W` one after another (see the module comment). */
export abstract class RingStepWait<W extends WaitLoop<unknown>> implements WaitLoop<void> {
  readonly result = undefined;
  /** The ring wait in progress while `waiting`; kept after it ends, for reuse. */
  protected ringWait: W | null = null;
  protected waiting = false;

  get i32(): Int32Array {
    return (this.ringWait as W).i32;
  }
  get index(): number {
    return (this.ringWait as W).index;
  }
  get expected(): number {
    return (this.ringWait as W).expected;
  }
  get sleepMs(): number {
    return (this.ringWait as W).sleepMs;
  }

  abstract step(): boolean;

  finish(): void {
    // Takes back the ring wait's sleep announcement if it was left mid-wait.
    if (this.waiting) (this.ringWait as W).finish?.();
  }
}
