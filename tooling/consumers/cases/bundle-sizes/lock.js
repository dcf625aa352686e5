// Lock alone.
import { Lock } from "sabkit";

const lock = new Lock();
if (lock.tryAcquire()) lock.release();
