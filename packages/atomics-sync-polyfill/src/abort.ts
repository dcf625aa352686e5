/** The error an aborted wait rejects with: a DOMException named "AbortError", `cause` = the reason. */
export function abortError(signal: AbortSignal): Error {
  const message = "the wait was aborted (signal.reason is in cause)";
  let error: Error;
  if (typeof DOMException === "function") {
    error = new DOMException(message, "AbortError");
  } else {
    error = new Error(message);
    error.name = "AbortError";
  }
  Object.defineProperty(error, "cause", {
    value: signal.reason,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return error;
}
