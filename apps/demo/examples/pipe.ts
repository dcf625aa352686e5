// Python's Pipe example (python/pipe.py): the child sends a list through one
// end of a Pipe, the parent receives it from the other and prints it.
import { type Connection, isMainProcess, Pipe, Process } from "sabkit";
import { print } from "./lib/repr.js";

export function f(conn: Connection): void {
  conn.send([42, null, "hello"]);
  conn.close();
}

if (isMainProcess()) {
  const [parentConn, childConn] = Pipe();
  const p = new Process({ target: import.meta.url, export: "f", args: [childConn] });
  p.start();
  print(parentConn.recv()); // prints "[42, None, 'hello']"
  await p.joinAsync();
}
