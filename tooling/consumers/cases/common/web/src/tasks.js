// The Pool's task module.
import { TimeoutError } from "sabkit";
import { QuotaError } from "./errors.js";

export function square(x) {
  return x * x;
}

export function slow() {
  throw new TimeoutError("too slow");
}

export function quota() {
  throw new QuotaError("over quota");
}
