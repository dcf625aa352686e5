// The pool's task module: every exported function is a task.
export function square(x) {
  return x * x;
}
