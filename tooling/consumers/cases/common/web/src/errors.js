// An error class of the program's own, registered so that it crosses workers as itself.
import { registerErrorClass } from "sabkit";

export class QuotaError extends Error {
  name = "QuotaError";
}
registerErrorClass("QuotaError", QuotaError);
